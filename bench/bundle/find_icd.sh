# Sourced by run.sh (and by its test). Bash functions that pick the Vulkan pieces for Dawn.

# The Vulkan ICD JSON to use: $VK_ICD_FILENAMES (or $VK_DRIVER_FILES) when set, else the NVIDIA
# driver's ICD in the loader's usual folders (user, /etc, /usr/local/share, /usr/share; override
# with PKM_ICD_DIRS, space-separated). Prints it; prints nothing and fails when there is none.
find_vulkan_icd() {
  local set="${VK_ICD_FILENAMES:-${VK_DRIVER_FILES:-}}"
  if [ -n "$set" ]; then
    printf '%s\n' "$set"
    return 0
  fi
  local dirs="${PKM_ICD_DIRS:-${XDG_CONFIG_HOME:-${HOME:-/nonexistent}/.config}/vulkan/icd.d /etc/vulkan/icd.d ${XDG_DATA_HOME:-${HOME:-/nonexistent}/.local/share}/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/etc/vulkan/icd.d}"
  local d name
  for d in $dirs; do
    for name in nvidia_icd.json nvidia_icd.x86_64.json; do
      if [ -f "$d/$name" ]; then
        printf '%s\n' "$d/$name"
        return 0
      fi
    done
  done
  return 1
}

# The machine's own Vulkan loader (libvulkan.so.1), preferred to the bundled copy because it
# matches the installed drivers; override the folders with PKM_LOADER_DIRS. Fails when none.
find_system_vulkan_loader() {
  local dirs="${PKM_LOADER_DIRS:-/usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib /lib/x86_64-linux-gnu}"
  local d
  for d in $dirs; do
    if [ -e "$d/libvulkan.so.1" ]; then
      printf '%s\n' "$d/libvulkan.so.1"
      return 0
    fi
  done
  return 1
}

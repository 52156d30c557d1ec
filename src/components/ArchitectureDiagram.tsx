import { scaleLinear } from 'd3';
import { EmptyState } from './chart/EmptyState';
import { formatCount, formatInt, formatPercent } from './chart/format';
import { useElementWidth } from './chart/useElementWidth';
import './chart/chart.css';
import './ArchitectureDiagram.css';

export interface ArchitectureBlock {
  /** Attention parameters (projections and biases). */
  attention: number;
  /** The feed-forward part's parameters: the dense FFN's, or the memory's when `memory` is true. */
  ffn: number;
  /** LayerNorm parameters of the block. */
  norms?: number;
  memory: boolean;
}

export interface MemoryInfo {
  keys: 'product' | 'flat';
  slots: number;
  heads: number;
  knn: number;
}

export interface ArchitectureDiagramProps {
  /** Token and position embedding parameters. */
  embedding: number;
  blocks: ArchitectureBlock[];
  /** Final norm and output projection parameters. */
  head: number;
  /** Describes the memory blocks' memory (shown in their box). */
  memory?: MemoryInfo;
  label?: string;
}

const ROW_H = 30;
const GAP = 6;
const LABEL_W = 94;

/** The layers of the model, which hold a memory instead of a feed-forward block, with parameter counts. */
export function ArchitectureDiagram({ embedding, blocks, head, memory, label }: ArchitectureDiagramProps) {
  const [ref, width] = useElementWidth<HTMLElement>();
  const name = `Architecture diagram${label ? `, ${label}` : ''}`;
  const all = [embedding, head, ...blocks.flatMap((b) => [b.attention, b.ffn, b.norms ?? 0])];
  const problem =
    blocks.length === 0
      ? { kind: 'empty' as const, message: 'No layers to show.' }
      : all.some((v) => !(Number.isFinite(v) && v >= 0))
        ? { kind: 'invalid' as const, message: 'Parameter counts must be finite and non-negative.' }
        : null;
  if (problem) {
    return (
      <figure ref={ref} className="pkm-figure architecture" aria-label={name}>
        <EmptyState {...problem} />
      </figure>
    );
  }

  const rows = [
    {
      key: 'embed',
      title: 'Embedding',
      parts: [{ text: 'tokens + positions', params: embedding, kind: 'io' }],
    },
    ...blocks.map((b, i) => ({
      key: `b${i}`,
      title: `Block ${i + 1}`,
      parts: [
        { text: 'Attention', params: b.attention + (b.norms ?? 0), kind: 'attn' },
        b.memory
          ? {
              text: memory ? memoryLabel(memory, width) : 'Memory',
              params: b.ffn,
              kind: 'memory',
            }
          : { text: 'Feed-forward', params: b.ffn, kind: 'ffn' },
      ],
    })),
    { key: 'head', title: 'Output', parts: [{ text: 'norm + projection', params: head, kind: 'io' }] },
  ];
  const totals = rows.map((r) => r.parts.reduce((s, p) => s + p.params, 0));
  const total = totals.reduce((s, v) => s + v, 0);
  const memoryParams = blocks.filter((b) => b.memory).reduce((s, b) => s + b.ffn, 0);
  // Narrow (a phone): no bar column, the row totals at the right, shorter labels, so nothing is
  // cut off; wide: boxes with their counts, and bars to compare the rows.
  const compact = width < 560;
  const labelW = compact ? 84 : LABEL_W;
  const totalW = 40;
  const inner = Math.max(120, width - labelW - totalW - 8);
  const attnW = compact ? Math.round(inner * 0.42) : Math.max(84, Math.min(140, width * 0.15));
  const ffnW = compact ? inner - attnW - 8 : Math.max(150, Math.min(330, width * 0.34));
  const barX = labelW + attnW + ffnW + 20;
  const barW = Math.max(40, width - barX - 60);
  const bar = scaleLinear()
    .domain([0, Math.max(1, ...totals)])
    .range([0, compact ? 0 : barW]);
  const height = rows.length * (ROW_H + GAP) + 4;
  const memBlocks = blocks.flatMap((b, i) => (b.memory ? [i + 1] : []));

  return (
    <figure
      ref={ref}
      className={`pkm-figure architecture${compact ? ' architecture--compact' : ''}`}
      aria-label={name}
    >
      <svg
        width={width}
        height={height}
        role="img"
        aria-label={`${name}: ${blocks.length} blocks, ${
          memBlocks.length
            ? `memory in block${memBlocks.length > 1 ? 's' : ''} ${memBlocks.join(', ')}`
            : 'no memory'
        }, ${formatCount(total)} parameters`}
      >
        <line
          className="architecture__residual"
          x1={labelW - 10}
          x2={labelW - 10}
          y1={ROW_H / 2}
          y2={height - ROW_H / 2 - 4}
        />
        {rows.map((r, i) => {
          const y = i * (ROW_H + GAP);
          const single = r.parts.length === 1;
          return (
            <g
              key={r.key}
              transform={`translate(0,${y})`}
              className="architecture__row"
              data-kind={r.parts.at(-1)!.kind}
            >
              <text x={0} y={ROW_H / 2} dy="0.32em" className="architecture__title">
                {r.title}
              </text>
              <circle cx={labelW - 10} cy={ROW_H / 2} r={3} className="architecture__node" />
              {r.parts.map((p, j) => {
                const x = single ? labelW : j === 0 ? labelW : labelW + attnW + 8;
                const w = single ? attnW + 8 + ffnW : j === 0 ? attnW : ffnW;
                return (
                  <g key={p.kind} className={`architecture__box architecture__box--${p.kind}`}>
                    <rect x={x} y={1} width={w} height={ROW_H - 2} rx={4} />
                    <text x={x + 8} y={ROW_H / 2} dy="0.32em">
                      <tspan>{p.text}</tspan>
                      {compact ? null : (
                        <tspan className="architecture__params"> {formatCount(p.params)}</tspan>
                      )}
                    </text>
                  </g>
                );
              })}
              {compact ? null : (
                <rect
                  className={`architecture__bar${r.parts.some((p) => p.kind === 'memory') ? ' architecture__bar--memory' : ''}`}
                  x={barX}
                  y={8}
                  width={Math.max(1, bar(totals[i]))}
                  height={ROW_H - 16}
                />
              )}
              <text
                x={compact ? width - 2 : barX + bar(totals[i]) + 6}
                y={ROW_H / 2}
                dy="0.32em"
                textAnchor={compact ? 'end' : undefined}
                className="architecture__params"
              >
                {formatCount(totals[i])}
              </text>
            </g>
          );
        })}
      </svg>
      <div className="architecture__footer">
        <strong>{formatCount(total)}</strong> parameters
        {memoryParams > 0 ? (
          <>
            {' '}
            · memory <strong>{formatCount(memoryParams)}</strong> ({formatPercent(memoryParams / total)})
          </>
        ) : (
          ' · no memory (baseline)'
        )}
      </div>
    </figure>
  );
}

/**
 * The memory box's label: the longest that fits its box (the box's width follows the figure's),
 * judged at about 7 px a character of the 12 px labels.
 */
function memoryLabel(memory: NonNullable<ArchitectureDiagramProps['memory']>, width: number): string {
  const compact = width < 560;
  const inner = Math.max(120, width - 84 - 40 - 8);
  const box = compact ? inner - Math.round(inner * 0.42) - 8 : Math.max(150, Math.min(330, width * 0.34));
  // Wide boxes also show the parameter count after the label (about 6 characters).
  const room = Math.floor((box - 16) / 7) - (compact ? 0 : 6);
  const candidates = [
    `Memory · ${memory.keys} keys · ${formatInt(memory.slots)} slots · ${memory.heads}×k${memory.knn}`,
    `Memory · ${formatCount(memory.slots)} slots · ${memory.heads}×k${memory.knn}`,
    `Memory · ${formatCount(memory.slots)} slots`,
  ];
  return candidates.find((c) => c.length <= room) ?? 'Memory';
}

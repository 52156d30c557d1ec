/**
 * A short reading of each committed result: what its numbers say against the paper. Written by
 * hand from the committed JSON (experiments/results/), so it must be revised when a result is
 * re-run; an experiment without a committed result has no reading (its card says how to run it).
 */
import type { ExperimentName } from '../../model/experiments/types';

export const READINGS: Partial<Record<ExperimentName, readonly string[]>> = {
  'depth-vs-memory': [
    'The memory pays off in validation loss at every evaluation after step 0: at 1,500 steps the 4-layer model ' +
      'with a 128² memory reaches perplexity 2.42 against 2.67 for the same model without memory and ' +
      '2.81 for the 8-layer baseline (−10% and −15% loss). That is the direction of the abstract’s ' +
      'headline, a 12-layer memory model beating a 24-layer baseline.',
    'Two caveats of the toy scale. The 8-layer baseline is itself worse than the 4-layer one at this ' +
      'step budget: a deeper model trains more slowly, so "beats 2L" here partly measures short ' +
      'training rather than capacity. And the speed-up is 1.23×, not the paper’s ~2×: at width 64 the ' +
      'memory lookup (query projection, two top-k, gathers) costs more than the small feed-forward it ' +
      'replaces, so the memory model runs at 0.62× the speed of the 4-layer baseline and wins only ' +
      'because the 8-layer baseline has twice the blocks.',
    'Most of the memory model’s 1.25 M parameters are the 1.05 M value rows, read 16 at a time per ' +
      'token; 45% of its slots are used on the evaluation set. Fact recall stays near chance for all ' +
      'three models (5.6–6.3%, chance 5.2%), while surname recall is clearly higher with the memory ' +
      '(11% against 1.3% and 0.3%).',
  ],
  'query-norm': [
    'BatchNorm on the query helps even at 65,536 slots: usage rises from 9.6% to 15.3%, KL to uniform ' +
      'falls from 4.22 to 3.50, and perplexity drops from 2.78 to 2.65 (−4.6% loss). The paper ' +
      '(second-hand) saw usage go from 25.8% to 80.3% and perplexity from 19.8 to 18.0 at 1 M slots, ' +
      'and found normalisation unnecessary at 16k–65k slots; at this toy scale it is not ' +
      'unnecessary, but the effect on usage is far smaller than at 1 M slots.',
    'LayerNorm per head and half, the causal-safe alternative, barely moves usage (10.3% against 9.6%) ' +
      'and ends with a slightly higher perplexity than no normalisation (2.81 against 2.78), so here ' +
      'the gain comes from BatchNorm specifically. Keep in mind that BatchNorm’s batch statistics mix ' +
      'positions of the same causal batch.',
    'All three read a small share of the 65k slots. The paper reports near-full usage for product ' +
      'keys (second-hand: ~97–100%) after far longer training of far larger models than 1,200 steps ' +
      'of 16 × 32 bytes.',
  ],
  'product-vs-flat': [
    'Product keys use far more of the same 16,384 slots: 41.5% of them get weight on the evaluation set ' +
      'against 17.8% for flat keys, and their weight is spread more evenly (KL to uniform 2.40 against ' +
      '3.24, Gini 0.91 against 0.97; half of the weight sits on 288 slots against 142). The flat keys’ ' +
      'usage lands in the paper’s range for them (second-hand: ~10–20%); the product keys’ stays far ' +
      'below the ~97–100% the paper reports, after far longer training of far larger models.',
    'The two reach the same perplexity (2.66 against 2.68) at 1,200 steps, so at this scale the extra ' +
      'coverage does not yet show in the loss. A product-key step took 185 ms against 484 ms for flat ' +
      'keys: the flat layer scores every query against all 16,384 full keys (and holds 1 M more key ' +
      'parameters), the product layer against 2 × 128 sub-keys and k × k candidates. The arms trained one ' +
      'after the other on a shared 2-core machine under varying load, so the ratio is rough; the ' +
      'benchmark (npm run bench) measures lookup speed side by side.',
  ],
  'heads-x-k': [
    'At an equal 32 reads per token, the split between heads and k changes usage little: 58% of the ' +
      '16,384 slots for one head with k = 32, 65–67% for 2, 4 and 8 heads. That matches the paper’s ' +
      'finding (second-hand: about the same usage, ~70%, at heads·k = 64) in both the level and the ' +
      'flatness, with a mild edge for more than one head: a single head’s 32 reads all come from one ' +
      'query, so they cluster in one region of the key space.',
    'Perplexity is best for the middle splits (2.68 with 2×16 and 2.67 with 4×8, against 2.74 for 1×32 ' +
      'and 2.75 for 8×4); the differences are 2–3% in loss from one seed each, so read them as a hint. ' +
      'Extra heads cost little here: each adds a query projection and 2 × 128 sub-keys (1.24 M ' +
      'parameters for 1 head, 1.28 M for 8). Step times were measured one arm after the other on a ' +
      'shared machine and are too noisy to rank.',
  ],
  position: [
    'Here the paper’s finding does not reproduce: the memory works best in the first block of four ' +
      '(perplexity 2.49, mean of two seeds) and gets steadily worse the later it sits (2.71, 2.80, ' +
      '2.87 in blocks 2–4), while the paper (second-hand) found layer 5 of 6 best and layer 1 worst. ' +
      'Every position still beats the same model without memory (2.97).',
    'The order is not noise: both seeds rank the blocks the same way, and the two seeds of one ' +
      'position differ by at most 0.017 in loss, against a gap of 0.086 between blocks 1 and 2. A ' +
      'likely reason is the toy setting: with 4 blocks of width 64 trained for 1,000 steps, a memory ' +
      'in block 1 has three blocks after it to use what it reads, and a byte with its near context ' +
      'is already enough of a key to look up a name in the knowledge corpus (surname recall 7.5% in ' +
      'block 1 against about 1% elsewhere). Usage follows the same order, 56% of the slots in block 1 ' +
      'down to 33% in block 4. A deeper model, as in the paper, may well move the best position ' +
      'inwards; this page cannot tell.',
  ],
  'memory-size': [
    'Perplexity falls at every size step, from 2.85 with 16² slots to 2.65 with 256², as the paper’s ' +
      'memory-size sweep leads one to expect (the brief quotes no numbers for it). The gains shrink ' +
      'quickly: 128² → 256² slots, 3.5× the parameters, buys only 0.3% in loss at this step budget.',
    'Usage falls as the memory grows, from 99.6% of 256 slots to 15.3% of 65,536: the same 1,200 ' +
      'steps are spread over more slots. The paper reports near-full usage for product keys ' +
      '(second-hand: ~97–100%) at far larger scale; here the largest memories are mostly unused.',
    'The knowledge corpus tests capacity directly, but fact recall stays at chance (5.2–6.4%, chance ' +
      '5.2%) for every size, so that claim is not really tested at this budget. Surname recall, ' +
      'memorising who exists, does grow with size: 0.5% at 16² to 5.0% at 256².',
  ],
};

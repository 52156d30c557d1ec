import { formatInt } from '../../../components/chart/format';
import { precomputedRun } from '../../precomputed/precomputed';
import { useModelFacts } from '../useModelFacts';

export function IntroSection() {
  const f = useModelFacts();
  const c = f.config;
  return (
    <header className="nb-intro" id="top">
      <p className="nb-intro__kicker">
        A live notebook · Lample et al., “Large Memory Layers with Product Keys” (2019)
      </p>
      <h1 className="nb-intro__title">
        How a product-key memory finds {c.knn} of {formatInt(f.slots)} slots with {formatInt(f.productCost)}{' '}
        scores
      </h1>
      <p className="nb-intro__lede">
        A product-key memory gives a transformer an enormous table of learned vectors and lets each token read
        only a handful of them. Finding that handful is an <em>exact</em> search over all the slots, yet it
        costs about √|K| comparisons instead of |K|. Every figure on this page is drawn from a small model
        that trains here, in your browser: press <kbd>Train</kbd> (or the space bar) and watch the memory
        learn.
      </p>
      <dl className="nb-intro__facts">
        <div>
          <dt>Model</dt>
          <dd>
            {c.layers}-layer byte-level transformer, d<sub>model</sub> = {c.d_model}
          </dd>
        </div>
        <div>
          <dt>Memory</dt>
          <dd>
            {c.mem_layers.length === 0
              ? 'none (baseline)'
              : `block ${f.memoryBlocks.join(', ')} · ${formatInt(f.n)}² = ${formatInt(f.slots)} slots · ${c.heads} head${c.heads > 1 ? 's' : ''} · k = ${c.knn}`}
          </dd>
        </div>
        <div>
          <dt>Data</dt>
          <dd>
            {c.corpus === 'knowledge'
              ? `generated facts: “${precomputedRun.trace.text.trim()}”`
              : 'your text'}
          </dd>
        </div>
      </dl>
    </header>
  );
}

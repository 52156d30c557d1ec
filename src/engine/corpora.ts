import type { ModelConfig } from '../model/config';
import {
  checkCorpusFits,
  knowledgeTextCorpus,
  type TextCorpus,
  userTextCorpus,
} from '../model/corpus/dataset';
import { EngineError } from './errors';
import type { CorpusInfo, CorpusSource } from './protocol/model';

/** The two training texts: the generated knowledge corpus (made once) and the user's own text. */
export class Corpora {
  private knowledgeText: TextCorpus | null = null;
  private userText: TextCorpus | null = null;

  knowledge(): TextCorpus {
    if (!this.knowledgeText) this.knowledgeText = knowledgeTextCorpus();
    return this.knowledgeText;
  }

  /** Validates a source (user text: non-empty, ≤ 20 MB, UTF-8, text-like; CorpusError otherwise). */
  resolve(source: CorpusSource): TextCorpus {
    return source.kind === 'user' ? userTextCorpus(source.bytes.slice(), source.name) : this.knowledge();
  }

  /** Keeps an accepted user text for later configs with corpus 'user'. */
  remember(corpus: TextCorpus, kind: CorpusSource['kind']): void {
    if (kind === 'user') this.userText = corpus;
  }

  /** The corpus `config.corpus` names, checked to hold one sequence of `context + 1` bytes. */
  forConfig(config: ModelConfig): TextCorpus {
    let corpus: TextCorpus;
    if (config.corpus === 'user') {
      if (!this.userText) {
        throw new EngineError(
          'corpus',
          'config.corpus is "user" but no text was given: send setCorpus with your text first',
        );
      }
      corpus = this.userText;
    } else {
      corpus = this.knowledge();
    }
    checkCorpusFits(corpus, config.context);
    return corpus;
  }
}

export function corpusInfo(corpus: TextCorpus, kind: CorpusSource['kind']): CorpusInfo {
  return {
    kind,
    name: corpus.name,
    trainBytes: corpus.train.length,
    validationBytes: corpus.validation.length,
    probes: corpus.probes?.length ?? 0,
  };
}

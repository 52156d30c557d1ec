import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import queryNorm from '../experiments/results/query-norm.json';
import { ExperimentSection } from '../src/app/results/ExperimentSection';
import { READINGS } from '../src/app/results/readings';
import { parseExperimentResult } from '../src/model/experiments/results';
import capacityQuick from '../test/fixtures/data/capacity-quick/result.json';
import '../src/app/app.css';

// A committed result is the fixture: the section must show any real result file.
const result = parseExperimentResult(queryNorm, 'experiments/results/query-norm.json');

const meta = {
  component: ExperimentSection,
  title: 'Results/ExperimentSection',
  args: {
    entry: { status: 'ok', name: 'query-norm', source: 'experiments/results/query-norm.json', result },
    reading: READINGS['query-norm'],
  },
} satisfies Meta<typeof ExperimentSection>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Committed: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const table = c.getByRole('table', { name: 'query-norm: configs' });
    await expect(within(table).getAllByRole('row')).toHaveLength(result.arms.length + 1);
    await expect(c.getByRole('list', { name: 'query-norm: claims' }).children).toHaveLength(
      result.claims.length,
    );
    await expect(canvasElement.querySelectorAll('.loss-line--val')).toHaveLength(result.arms.length);
    await expect(c.getByRole('link', { name: /Download the query-norm result/ })).toHaveAttribute(
      'href',
      expect.stringMatching(/^blob:/),
    );
  },
};

export const NotRunYet: Story = {
  args: { entry: { status: 'missing', name: 'heads-x-k' }, reading: undefined },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByText('npm run -s pkm -- experiment heads-x-k')).toBeInTheDocument();
    await expect(c.queryByRole('table')).toBeNull();
  },
};

export const Malformed: Story = {
  args: {
    entry: {
      status: 'error',
      name: 'position',
      source: 'experiments/results/position.json',
      message: 'experiments/results/position.json is not an experiment result: schema 2 is not 1',
    },
    reading: undefined,
  },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('alert')).toHaveTextContent(/could not be read.*schema 2/);
  },
};

/** The capacity experiment's quick run (a real file, test/fixtures/data/capacity-quick): its curve above the table. */
export const CapacityQuickRun: Story = {
  args: {
    entry: {
      status: 'ok',
      name: 'capacity',
      source: 'test/fixtures/data/capacity-quick/result.json',
      result: parseExperimentResult(capacityQuick, 'test/fixtures/data/capacity-quick/result.json'),
    },
    reading: undefined,
  },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('figure', { name: 'Capacity curve, capacity fact recall' })).toBeInTheDocument();
    await expect(canvasElement.querySelectorAll('.capacity-curve__line')).toHaveLength(4);
    // Its corpora (40–360 facts) are not the lab's: every Open in lab says so.
    for (const button of within(c.getByRole('table', { name: 'capacity: configs' })).getAllByRole('button')) {
      await expect(button).toHaveTextContent(/^Open in lab · default [\d,]+-fact corpus$/);
    }
  },
};

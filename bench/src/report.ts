import { cpus, totalmem } from 'node:os';
import type { FigureSpec } from './scenario';
import { formatNumber, Spread } from './stats';

export interface FigureResult extends FigureSpec {
  parley: Spread;
  baseline?: Spread;
  /** parley median / baseline median. */
  ratio?: number;
  /** Whether the median meets the target, when there is one. */
  met?: boolean;
}

export interface ScenarioResult {
  name: string;
  summary: string;
  figures: FigureResult[];
  lost: number;
  notes: string[];
  error?: string;
}

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  openFileLimit: string;
}

export function describeMachine(openFileLimit: string): Machine {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    openFileLimit,
  };
}

const cell = (s: Spread | undefined) => (s ? `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})` : '');

/** The table `npm run bench` prints and bench/README.md keeps. */
export function markdownTable(results: ScenarioResult[]): string {
  const lines = [
    '| scenario | figure | Parley median (min–max) | bare Socket.IO median (min–max) | ratio | target |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${r.name} | **failed**: ${r.error.split('\n')[0].replace(/\|/g, '/')} | | | | |`);
      continue;
    }
    for (const f of r.figures) {
      const unit = f.unit ? ` ${f.unit}` : '';
      const target = f.target === undefined ? '' : `${f.better === 'higher' ? '≥' : '≤'} ${formatNumber(f.target)}${unit} ${f.met ? '✅' : '❌'}`;
      lines.push(`| ${r.name} | ${f.label}${unit ? ` (${f.unit})` : ''} | ${cell(f.parley)} | ${cell(f.baseline)} | ${f.ratio === undefined ? '' : formatNumber(f.ratio)} | ${target} |`);
    }
    lines.push(`| ${r.name} | lost messages | ${r.lost} | | | = 0 ${r.lost === 0 ? '✅' : '❌'} |`);
  }
  return lines.join('\n');
}

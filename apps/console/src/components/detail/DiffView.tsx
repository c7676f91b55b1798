import { SafeText } from '../text/SafeText';
import { Fragment, useState } from 'react';
import type { DiffLine } from '../../domain/lineDiff';

/** Unchanged runs longer than this collapse to a "… N unchanged lines" button. */
const CONTEXT = 3;

type Block = { kind: 'lines'; lines: DiffLine[] } | { kind: 'fold'; lines: DiffLine[] };

function blocksOf(lines: readonly DiffLine[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]?.kind !== 'same') {
      const start = i;
      while (i < lines.length && lines[i]?.kind !== 'same') i++;
      blocks.push({ kind: 'lines', lines: lines.slice(start, i) });
      continue;
    }
    const start = i;
    while (i < lines.length && lines[i]?.kind === 'same') i++;
    const run = lines.slice(start, i);
    const head = start === 0 ? 0 : CONTEXT;
    const tail = i === lines.length ? 0 : CONTEXT;
    if (run.length <= head + tail + 1) blocks.push({ kind: 'lines', lines: run });
    else {
      if (head) blocks.push({ kind: 'lines', lines: run.slice(0, head) });
      blocks.push({ kind: 'fold', lines: run.slice(head, run.length - tail) });
      if (tail) blocks.push({ kind: 'lines', lines: run.slice(run.length - tail) });
    }
  }
  return blocks;
}

function Line({ line }: { line: DiffLine }) {
  if (line.kind === 'added')
    return (
      <ins className="diff-line diff-added">
        <span className="diff-sign" aria-hidden="true">+</span>
        <span className="visually-hidden">added: </span>
        <SafeText text={line.text} />
      </ins>
    );
  if (line.kind === 'removed')
    return (
      <del className="diff-line diff-removed">
        <span className="diff-sign" aria-hidden="true">−</span>
        <span className="visually-hidden">removed: </span>
        <SafeText text={line.text} />
      </del>
    );
  return (
    <span className="diff-line diff-same">
      <span className="diff-sign" aria-hidden="true"> </span>
      <SafeText text={line.text} />
    </span>
  );
}

function Fold({ lines }: { lines: DiffLine[] }) {
  const [open, setOpen] = useState(false);
  if (open) return lines.map((line, i) => <Line key={i} line={line} />);
  return (
    <button type="button" className="diff-fold" onClick={() => setOpen(true)}>
      … {lines.length} unchanged lines
    </button>
  );
}

/** Original against edited arguments, line by line; `+` and `−` mark changes (colour only repeats them). */
export function DiffView({ lines }: { lines: readonly DiffLine[] }) {
  return (
    <section className="diff" aria-label="Changes to the arguments">
      {blocksOf(lines).map((block, i) => (
        <Fragment key={i}>{block.kind === 'fold' ? <Fold lines={block.lines} /> : block.lines.map((line, j) => <Line key={j} line={line} />)}</Fragment>
      ))}
    </section>
  );
}

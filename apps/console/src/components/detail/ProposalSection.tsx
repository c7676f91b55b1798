import type { ApprovalRecord } from '@approval-hub/protocol';
import { useMemo } from 'react';
import { prettyJson } from '../../domain/editedArgs';
import { diffLines } from '../../domain/lineDiff';
import { type ShownProposal, proposerName } from '../../domain/proposal';
import { formatTimestamp } from '../../domain/timeFormat';
import { JsonTree } from '../json/JsonTree';
import { SafeText } from '../text/SafeText';
import { DiffView } from './DiffView';

/**
 * A reviewer's edit that will run instead of the agent's arguments if the request is approved: who proposed it, the
 * arguments themselves, and their diff against what the agent sent. Shown first, above the agent's arguments,
 * because approving approves these.
 */
export function ProposalSection({ record, proposal, myId }: { record: ApprovalRecord; proposal: ShownProposal; myId: string | null }) {
  const diff = useMemo(() => diffLines(prettyJson(record.args).split('\n'), prettyJson(proposal.args).split('\n')), [record.args, proposal.args]);
  const by = proposerName(proposal, myId);
  return (
    <section className="detail-section proposal" aria-label="Proposed edit" data-testid="proposal">
      <h3 className="proposal-title">
        <span aria-hidden="true">✎ </span>
        Edited arguments will run: proposed by <SafeText text={by} />
      </h3>
      <p className="proposal-lead">
        Approving approves <strong>these</strong> arguments, not the ones the agent sent
        {proposal.proposedAt ? (
          <>
            {' '}
            (proposed <time dateTime={proposal.proposedAt}>{formatTimestamp(proposal.proposedAt)}</time>)
          </>
        ) : null}
        .
      </p>
      <div className="proposal-grid">
        <div className="proposal-part">
          <h4>What will run</h4>
          <JsonTree value={proposal.args} rootPath="proposal" />
        </div>
        <div className="proposal-part">
          <h4>Changes from the agent’s arguments</h4>
          <DiffView lines={diff} />
        </div>
      </div>
    </section>
  );
}

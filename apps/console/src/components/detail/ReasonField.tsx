import { useId } from 'react';
import { MAX_REASON_LENGTH } from '@approval-hub/protocol';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';

export function ReasonField() {
  const { store } = useServices();
  const reason = useConsoleStore((s) => s.reasonDraft);
  const id = useId();
  return (
    <div className="field reason">
      <label htmlFor={id}>
        Reason <span className="muted">(optional, sent to the agent)</span>
      </label>
      <textarea
        id={id}
        rows={2}
        maxLength={MAX_REASON_LENGTH}
        value={reason}
        placeholder="Why? The agent receives this with your decision."
        onChange={(e) => store.getState().setReasonDraft(e.target.value)}
      />
    </div>
  );
}

import { type FormEvent, useId, useState } from 'react';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { REFUSAL_TEXT } from '../../session/sessionController';
import { Icon } from '../Icon';

export function SignInPage() {
  const { session } = useServices();
  const problem = useConsoleStore((s) => s.signInProblem);
  const [token, setToken] = useState('');
  const inputId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (value) session.signIn(value);
  };

  return (
    <main className="signin">
      <div className="signin-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">✓</span>
          <span>Approval Hub</span>
        </div>
        <h1>Reviewer sign-in</h1>
        <p className="muted">Approve, deny or edit what AI agents ask to do, live.</p>
        {problem && (
          <div className="signin-problem" role="alert">
            <strong>
              <Icon name="ban" />{' '}
              {problem.code === 'forbidden' ? 'Token refused: forbidden' : problem.code === 'unauthorized' ? 'Token refused: unauthorized' : 'Sign-in failed'}
            </strong>
            <p>{REFUSAL_TEXT[problem.code]}</p>
            {problem.message && <p className="muted small">Hub said: {problem.message}</p>}
          </div>
        )}
        <form onSubmit={submit} className="signin-form">
          <label htmlFor={inputId}>Reviewer token</label>
          <input
            id={inputId}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="Paste your reviewer token"
          />
          <button type="submit" className="btn btn-primary" disabled={token.trim() === ''}>
            Sign in
          </button>
        </form>
        <p className="muted small">
          Or open the sign-in link the hub prints at start-up (<code>…/#token=…</code>). The token is kept for this tab only.
        </p>
      </div>
    </main>
  );
}

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { ConsoleProvider } from './app/ConsoleContext';
import { startArrivalNotifier } from './app/arrivalNotifier';
import { startHashRouting } from './app/hashRoute';
import { persistPreferences } from './app/preferences';
import { createServices } from './app/services';
import { DecisionLinkPage } from './decision-link/DecisionLinkPage';
import { createDecisionLinkClient } from './decision-link/decisionLinkClient';
import { decisionLinkTokenFromPath } from './decision-link/decisionLinkPath';
import { readStoredToken, takeTokenFromLocation } from './session/tokenStorage';
import './styles/theme.css';
import './styles/layout.css';
import './styles/queue.css';
import './styles/detail.css';
import './styles/json.css';
import './styles/history.css';
import './styles/trust.css';
import './styles/decision-link.css';
import './styles/phone.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
// A signed decision link (`/d/<token>`) opens its own page: no session, no socket, nothing of the console's state.
const decisionLinkToken = decisionLinkTokenFromPath(window.location.pathname);
if (decisionLinkToken !== null) {
  createRoot(root).render(
    <StrictMode>
      <DecisionLinkPage token={decisionLinkToken} client={createDecisionLinkClient()} />
    </StrictMode>,
  );
} else {
  startConsole(root);
}

function startConsole(root: HTMLElement): void {
  // The sign-in fragment goes first: read once, then gone from the address bar, before routing reads the hash.
  const linkToken = takeTokenFromLocation(window.location, window.history);
  const services = createServices();
  persistPreferences(services.store, window.localStorage);
  startArrivalNotifier(services.store);

  const token = linkToken ?? readStoredToken(window.sessionStorage);
  if (token) services.session.signIn(token);
  startHashRouting(services.store, (next) => services.session.signIn(next));

  createRoot(root).render(
    <StrictMode>
      <ConsoleProvider services={services}>
        <App />
      </ConsoleProvider>
    </StrictMode>,
  );
}

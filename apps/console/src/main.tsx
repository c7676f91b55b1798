import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { ConsoleProvider } from './app/ConsoleContext';
import { startArrivalNotifier } from './app/arrivalNotifier';
import { startHashRouting } from './app/hashRoute';
import { persistPreferences } from './app/preferences';
import { createServices } from './app/services';
import { readStoredToken, takeTokenFromLocation } from './session/tokenStorage';
import './styles/theme.css';
import './styles/layout.css';
import './styles/queue.css';
import './styles/detail.css';
import './styles/json.css';
import './styles/history.css';
import './styles/trust.css';

// The sign-in fragment goes first: read once, then gone from the address bar, before routing reads the hash.
const linkToken = takeTokenFromLocation(window.location, window.history);
const services = createServices();
persistPreferences(services.store, window.localStorage);
startArrivalNotifier(services.store);

const token = linkToken ?? readStoredToken(window.sessionStorage);
if (token) services.session.signIn(token);
startHashRouting(services.store, (next) => services.session.signIn(next));

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    <ConsoleProvider services={services}>
      <App />
    </ConsoleProvider>
  </StrictMode>,
);

import { SignInPage } from '../components/shell/SignInPage';
import { ConsoleShell } from '../components/shell/ConsoleShell';
import { useConsoleStore } from './ConsoleContext';

export function App() {
  const signedIn = useConsoleStore((s) => s.token !== null);
  return signedIn ? <ConsoleShell /> : <SignInPage />;
}

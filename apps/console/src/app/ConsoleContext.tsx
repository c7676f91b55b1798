import { type ReactNode, createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ConsoleState } from '../store/types';
import type { ConsoleServices } from './services';

const ServicesContext = createContext<ConsoleServices | null>(null);

export function ConsoleProvider({ services, children }: { services: ConsoleServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): ConsoleServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside <ConsoleProvider>');
  return services;
}

/** Select one field (or one derived value) at a time; wrap list selectors in `useShallow`. */
export function useConsoleStore<T>(selector: (state: ConsoleState) => T): T {
  return useStore(useServices().store, selector);
}

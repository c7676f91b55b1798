import type { StepMeasurement } from '../scenarios/measured-step.js';

export type Log = (line: string) => void;

/** One line per measured step, for following a run as it goes. */
export function describeStep(label: string, step: StepMeasurement): string {
  const rt = step.latencyMs.roundTrip;
  const other = step.machine ? `, other load ${step.machine.otherPercent}%` : '';
  const verdict = step.sustainable ? '' : `  ✗${step.incomplete > 0 ? ` ${step.incomplete} incomplete` : ''}`;
  return (
    `  ${label}: round trip p50 ${rt.p50} / p99 ${rt.p99} / max ${rt.max} ms, ack p99 ${step.latencyMs.ack.p99} ms, ` +
    `${step.achievedPerSecond} done/s, server CPU ${step.server.cpuPercent}%, clients ${step.clientCpuPercent}%${other}${verdict}`
  );
}

import type { IdleResult } from '../scenarios/idle-connections.js';
import type { StepMeasurement } from '../scenarios/measured-step.js';
import type { StormResult } from '../scenarios/reconnect-storm.js';
import type { SoakResult } from '../scenarios/soak.js';
import type { LadderResult } from '../scenarios/throughput-ladder.js';
import type { TargetId } from '../servers/bench-target.js';
import type { ThroughputResult } from './interleaved-throughput.js';
import type { PayloadResult } from './payload-sessions.js';

/** Everything measured on one server in one run. */
export interface TargetResult {
  id: TargetId;
  startupMs: number;
  connectMs: { small: number; fixed: number };
  idle: IdleResult | null;
  small: StepMeasurement;
  fixed: StepMeasurement;
  ladder: LadderResult;
  payloads: PayloadResult[];
  storm: StormResult | null;
  /** The steady-load soak (hub-normal only). */
  soak: SoakResult | null;
  database: ThroughputResult['database'];
}

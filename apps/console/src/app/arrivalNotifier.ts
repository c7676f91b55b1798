import { displayText } from '@approval-hub/protocol';
import type { ConsoleStore } from '../store/consoleStore';

const SOUND_GAP_MS = 1_500;
const DESKTOP_GAP_MS = 5_000;

/** A short two-tone chime made on the spot: no audio file to fetch. */
function chime(context: AudioContext): void {
  const start = context.currentTime;
  for (const [offset, frequency] of [
    [0, 880],
    [0.12, 1320],
  ] as const) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.15, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.18);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start + offset);
    oscillator.stop(start + offset + 0.2);
  }
}

let audio: AudioContext | null = null;

/**
 * Called from the click that turns sound on: browsers only let a page start audio after a user
 * gesture, so the context is created (and a sample chime played) right then.
 */
export function primeSound(): void {
  try {
    audio ??= new AudioContext();
    const context = audio;
    // A context the browser will not resume is the same case as no audio output: nothing to play, nothing to report.
    context
      .resume()
      .then(() => chime(context))
      .catch(() => {});
  } catch {
    // No audio output on this machine.
  }
}

/**
 * Sound and desktop notification for new requests, both opt-in and throttled: at 50 requests a
 * second the reviewer hears one chime every 1.5 s and sees one notification every 5 s, summing up.
 */
export function startArrivalNotifier(store: ConsoleStore): () => void {
  let lastSound = 0;
  let lastDesktop = 0;
  let unseen = 0;

  return store.subscribe((state, previous) => {
    const arrivals = state.arrivals;
    if (!arrivals || arrivals === previous.arrivals) return;
    const now = Date.now();
    if (state.soundNotify && now - lastSound >= SOUND_GAP_MS) {
      lastSound = now;
      if (audio?.state === 'running') chime(audio);
      else primeSound();
    }
    const away = document.hidden || !document.hasFocus();
    if (!state.desktopNotify || !away || typeof Notification === 'undefined' || Notification.permission !== 'granted') {
      unseen = 0;
      return;
    }
    unseen += arrivals.count;
    if (now - lastDesktop < DESKTOP_GAP_MS) return;
    lastDesktop = now;
    const count = unseen;
    unseen = 0;
    const notification = new Notification(count === 1 ? 'New approval request' : `${count} new approval requests`, {
      // A notification is plain text the OS renders: suspicious characters go in as visible markers.
      body: displayText(`${arrivals.toolNames.join(', ')} from ${arrivals.agents.join(', ')} · ${state.items.size} pending`),
      tag: 'approval-hub-arrivals',
    });
    notification.onclick = () => {
      window.focus();
      notification.close();
    };
  });
}

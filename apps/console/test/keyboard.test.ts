import { describe, expect, it } from 'vitest';
import { shortcutFor } from '../src/keyboard/shortcuts';

const press = (key: string, extra: Partial<Parameters<typeof shortcutFor>[0]> = {}) =>
  shortcutFor({ key, ctrlKey: false, metaKey: false, altKey: false, target: { tagName: 'BODY' }, ...extra });

describe('keyboard shortcuts', () => {
  it('maps j k a d e / ?', () => {
    expect(['j', 'k', 'a', 'd', 'e', '/', '?'].map((k) => press(k))).toEqual(['next', 'previous', 'approve', 'deny', 'edit', 'search', 'help']);
  });

  it('never fires while typing in a field', () => {
    for (const tagName of ['INPUT', 'TEXTAREA', 'SELECT', 'input']) expect(press('a', { target: { tagName } })).toBeNull();
    expect(press('a', { target: { tagName: 'DIV', isContentEditable: true } })).toBeNull();
    expect(press('a', { target: { tagName: 'SPAN', closest: () => ({}) } })).toBeNull();
  });

  it('never fires with Ctrl, Cmd or Alt, during IME composition, or on key repeat of a decision', () => {
    expect(press('a', { ctrlKey: true })).toBeNull();
    expect(press('d', { metaKey: true })).toBeNull();
    expect(press('j', { altKey: true })).toBeNull();
    expect(press('a', { isComposing: true })).toBeNull();
    expect(press('a', { repeat: true })).toBeNull();
    expect(press('j', { repeat: true })).toBe('next');
  });

  it('is case-sensitive: Shift+A is not approve', () => {
    expect(press('A')).toBeNull();
    expect(press('x')).toBeNull();
  });
});

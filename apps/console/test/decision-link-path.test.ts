import { describe, expect, it } from 'vitest';
import { decisionLinkTokenFromPath } from '../src/decision-link/decisionLinkPath';

describe('the decision link page’s route', () => {
  const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

  it('/d/<token> (with or without a trailing slash) opens the link page with that token', () => {
    expect(decisionLinkTokenFromPath(`/d/${token}`)).toBe(token);
    expect(decisionLinkTokenFromPath(`/d/${token}/`)).toBe(token);
  });

  it('a malformed token still opens the link page (which says the link is not valid), never the console', () => {
    expect(decisionLinkTokenFromPath('/d/not-a-token')).toBe('not-a-token');
  });

  it('every other path is the console', () => {
    for (const path of ['/', '/index.html', '/d', '/d/', `/x/d/${token}`, `/d/${token}/more`, '/history']) expect(decisionLinkTokenFromPath(path)).toBeNull();
  });
});

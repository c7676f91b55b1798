import { e2eTokens, expect, test } from '../fixtures/test.js';
import { ConsolePage } from '../pages/console-page.js';

test('a bad or wrong-role token is refused on the sign-in page with a clear message', async ({ page, hub }) => {
  const reviewer = new ConsolePage(page, hub);

  // A sign-in link with a token the hub does not know.
  await page.goto(`${hub.url}/#token=not-a-token-this-hub-issued`);
  await expect(reviewer.signInHeading).toBeVisible();
  await expect(reviewer.signInAlert).toContainText('Token refused: unauthorized');
  await expect(reviewer.signInAlert).toContainText('The hub does not know this token (unauthorized). It may be mistyped, revoked or from another hub.');
  // The token left the address bar, and nothing of the console was shown.
  expect(page.url()).not.toContain('token=');
  await expect(reviewer.queueList).toHaveCount(0);

  // An agent's token, typed into the form: a real token, the wrong role.
  await reviewer.signInWithForm(e2eTokens.agent);
  await expect(reviewer.signInAlert).toContainText('Token refused: forbidden');
  await expect(reviewer.signInAlert).toContainText('This token is not a reviewer token (forbidden). Agent tokens cannot open the console.');
  await expect(reviewer.queueList).toHaveCount(0);
  expect(await page.evaluate(() => Object.values(sessionStorage))).not.toContain(e2eTokens.agent);

  // The right token gets in, and a reload keeps the session.
  await reviewer.signInWithForm(e2eTokens.reviewer);
  await reviewer.waitUntilSynced();
  await expect(reviewer.signInAlert).toHaveCount(0);
  await expect(page.getByText('Alice Reviewer')).toBeVisible();
  await page.reload();
  await reviewer.waitUntilSynced();

  // Signing out returns to the sign-in page without a message.
  await reviewer.signOutButton.click();
  await expect(reviewer.signInHeading).toBeVisible();
  await expect(reviewer.signInAlert).toHaveCount(0);
});

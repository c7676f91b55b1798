// Approves the request open in the detail pane the way a reviewer must: read every long value to its end,
// then press Approve, pressing again for high risk and typing the tool name for critical risk.
import { expect } from '@playwright/test';

export async function approveFully(page, details) {
  // Every long value's viewer, by its own position among all viewers: a locator filtered on `data-reached="false"`
  // stops matching the very element it found once that element is read, so waiting on it for "true" could never pass.
  for (const viewer of await details.locator('[data-reached]').all()) {
    await expect(async () => {
      if ((await viewer.getAttribute('data-reached')) === 'true') return;
      await viewer.focus();
      await page.keyboard.press('End');
      await expect(viewer).toHaveAttribute('data-reached', 'true', { timeout: 2_000 });
    }).toPass({ timeout: 15_000 });
  }
  const approve = details.getByRole('button', { name: 'Approve', exact: true });
  // Enabled also means the request has been on screen for the console's dwell (`aria-disabled` until then).
  await expect(approve).toBeEnabled({ timeout: 10_000 });
  await approve.click();
  const confirm = details.getByRole('button', { name: 'Confirm approval' });
  const typeName = details.getByRole('textbox', { name: /Type the tool name/ });
  if (await confirm.isVisible()) await confirm.click();
  else if (await typeName.isVisible()) {
    await typeName.fill((await details.getByRole('heading', { level: 2 }).first().innerText()).trim());
    await details.getByRole('button', { name: 'Approve critical request' }).click();
  }
}

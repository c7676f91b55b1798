// Approves the request open in the detail pane the way a reviewer must: read every long value to its end,
// then press Approve, pressing again for high risk and typing the tool name for critical risk.
import { expect } from '@playwright/test';

export async function approveFully(page, details) {
  for (const viewer of await details.locator('[data-reached="false"]').all()) {
    await viewer.focus();
    await page.keyboard.press('End');
    await expect(viewer).toHaveAttribute('data-reached', 'true');
  }
  const approve = details.getByRole('button', { name: 'Approve', exact: true });
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

import { expect, type Locator, type Page } from '@playwright/test';
import type { HubProcess } from '../fixtures/hub-process.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The reviewer console as a reviewer perceives it: every locator is a role and an accessible name
 * (or a label), so the tests also pin what assistive technology announces.
 */
export class ConsolePage {
  // Queue view
  readonly queueList: Locator;
  readonly rows: Locator;
  readonly allClear: Locator;
  readonly details: Locator;
  readonly detailTitle: Locator;
  readonly detailArguments: Locator;
  readonly approveButton: Locator;
  readonly denyButton: Locator;
  readonly editButton: Locator;
  readonly reasonField: Locator;
  readonly argsEditor: Locator;
  readonly approveEditedButton: Locator;
  readonly departedNote: Locator;
  readonly allowSimilarButton: Locator;
  readonly allowSimilarForm: Locator;
  readonly grantPreview: Locator;
  readonly quorumProgress: Locator;
  // Shell
  readonly connection: Locator;
  readonly notices: Locator;
  readonly queueLink: Locator;
  readonly historyLink: Locator;
  readonly grantsLink: Locator;
  readonly signOutButton: Locator;
  // History view
  readonly historyHeading: Locator;
  readonly historyTable: Locator;
  readonly timeline: Locator;
  // Grants view
  readonly grantsHeading: Locator;
  readonly grantsTable: Locator;
  // Sign-in page
  readonly signInHeading: Locator;
  readonly tokenInput: Locator;
  readonly signInButton: Locator;
  readonly signInAlert: Locator;

  constructor(
    readonly page: Page,
    readonly hub: HubProcess,
  ) {
    this.queueList = page.getByRole('list', { name: 'Pending requests' });
    this.rows = this.queueList.getByRole('listitem');
    this.allClear = page.getByText('All clear');
    this.details = page.getByRole('region', { name: 'Request details' });
    this.detailTitle = this.details.getByRole('heading', { level: 2 });
    this.detailArguments = this.details.getByRole('region', { name: 'Arguments' });
    // `exact`: in edit mode the pane also has "Approve edited arguments".
    this.approveButton = this.details.getByRole('button', { name: 'Approve', exact: true });
    this.denyButton = this.details.getByRole('button', { name: 'Deny', exact: true });
    this.editButton = this.details.getByRole('button', { name: 'Edit & approve', exact: true });
    this.reasonField = this.details.getByRole('textbox', { name: /^Reason/ });
    this.argsEditor = this.details.getByRole('textbox', { name: 'Edited arguments (JSON)' });
    this.approveEditedButton = this.details.getByRole('button', { name: 'Approve edited arguments' });
    this.departedNote = this.details.getByText(/left the queue:/);
    this.allowSimilarButton = this.details.getByRole('button', { name: 'Approve & allow similar…' });
    this.allowSimilarForm = this.details.getByRole('form', { name: 'Allow similar calls' });
    this.grantPreview = this.allowSimilarForm.getByTestId('grant-preview');
    this.quorumProgress = this.details.getByTestId('quorum-progress');

    this.connection = page.getByRole('status', { name: 'Connection' });
    // A polite live region named "Notices" (it has no landmark role of its own).
    this.notices = page.getByLabel('Notices', { exact: true });
    const views = page.getByRole('navigation', { name: 'Views' });
    this.queueLink = views.getByRole('link', { name: /^Queue/ });
    this.historyLink = views.getByRole('link', { name: 'History' });
    this.grantsLink = views.getByRole('link', { name: 'Grants' });
    this.signOutButton = page.getByRole('button', { name: 'Sign out' });

    this.historyHeading = page.getByRole('heading', { name: 'History', level: 1 });
    this.historyTable = page.getByRole('table', { name: /^Decided requests, most recently/ });
    this.timeline = page.getByRole('region', { name: 'Request timeline' });
    this.grantsHeading = page.getByRole('heading', { name: 'Grants', level: 1 });
    this.grantsTable = page.getByRole('table', { name: 'Grants' });

    this.signInHeading = page.getByRole('heading', { name: 'Reviewer sign-in' });
    // A password field has no ARIA role; its label is how everyone finds it.
    this.tokenInput = page.getByLabel('Reviewer token');
    this.signInButton = page.getByRole('button', { name: 'Sign in' });
    this.signInAlert = page.getByRole('alert');
  }

  /** Opens the hub's sign-in link (`/#token=…`) and waits until the queue is in sync with the hub. */
  async signInWithLink(token: string): Promise<void> {
    await this.page.goto(`${this.hub.url}/#token=${encodeURIComponent(token)}`);
    await this.waitUntilSynced();
  }

  /** Opens a printed sign-in link as is (the demo's). */
  async openLink(link: string): Promise<void> {
    await this.page.goto(link);
    await this.waitUntilSynced();
  }

  async waitUntilSynced(): Promise<void> {
    await expect(this.queueList).toBeAttached();
    await this.expectConnection('Connected');
  }

  /** The connection as announced (the coloured dot is aria-hidden and not part of it). */
  async expectConnection(label: ConnectionLabel | RegExp, options?: { timeout?: number }): Promise<void> {
    const text = typeof label === 'string' ? escapeRegExp(label) : label.source;
    await expect(this.connection).toMatchAriaSnapshot(`- status "Connection": /^(?:${text})$/`, options);
  }

  /** The sign-in page, without a token. */
  async openSignIn(): Promise<void> {
    await this.page.goto(this.hub.url);
    await expect(this.signInHeading).toBeVisible();
  }

  async signInWithForm(token: string): Promise<void> {
    await this.tokenInput.fill(token);
    await this.signInButton.click();
  }

  /**
   * A queue row, named "<tool> from <agent>" by its labelled parts, where <agent> is the token's principal;
   * an agent whose own label differs is named "<tool> from <agent> · claims “<label>”". With `agent` given,
   * the row must name exactly that principal and exactly that claim (none unless `claims` is given).
   */
  row(toolName: string, agent?: string, options: { claims?: string } = {}): Locator {
    const who =
      agent === undefined
        ? '\\S+(?: · claims “.*”)?'
        : `${escapeRegExp(agent)}${options.claims === undefined ? '' : ` · claims “${escapeRegExp(options.claims)}”`}`;
    return this.queueList.getByRole('listitem', { name: new RegExp(`^${escapeRegExp(toolName)} from ${who}$`) });
  }

  /** The scrollable viewer of a long argument value (`args.body`), which must be read to its end before approving. */
  longValue(path: string): Locator {
    return this.detailArguments.getByRole('region', { name: new RegExp(`^${escapeRegExp(path)}: [\\d,]+ characters$`) });
  }

  /** Scrolls a long value's viewer to its end with the keyboard, as a reviewer would. */
  async readToEnd(path: string): Promise<void> {
    const viewer = this.longValue(path);
    // The End key scrolls the focused box to its end; on a loaded machine the key can land before the box is
    // ready, so a reviewer would simply scroll again (the wheel, here).
    await expect(async () => {
      await viewer.focus();
      await this.page.keyboard.press('End');
      if ((await viewer.getAttribute('data-reached')) !== 'true') {
        await viewer.hover();
        await this.page.mouse.wheel(0, 1_000_000);
      }
      await expect(viewer).toHaveAttribute('data-reached', 'true', { timeout: 2_000 });
    }).toPass({ timeout: 20_000 });
  }

  /**
   * Selects a request by clicking its row, and waits for the detail pane to show it long enough to decide: the
   * console acts on a request only once its detail has been on screen for a moment (its buttons are `aria-disabled`
   * until then), as a reviewer who looks before deciding.
   */
  async select(toolName: string): Promise<void> {
    await this.row(toolName).click();
    await expect(this.detailTitle).toHaveText(toolName);
    await this.waitUntilDecidable();
  }

  /** The open request has been on screen long enough for a decision (Deny no longer `aria-disabled`). */
  async waitUntilDecidable(): Promise<void> {
    await expect(this.denyButton).toBeEnabled();
  }

  async approve(toolName: string): Promise<void> {
    await this.select(toolName);
    await this.approveButton.click();
    await expect(this.row(toolName)).toHaveCount(0);
  }

  async deny(toolName: string, reason?: string): Promise<void> {
    await this.select(toolName);
    if (reason !== undefined) await this.reasonField.fill(reason);
    await this.denyButton.click();
    await expect(this.row(toolName)).toHaveCount(0);
  }

  /** Edit & approve: replaces the JSON in the editor and sends it. */
  async editAndApprove(toolName: string, args: unknown, reason?: string): Promise<void> {
    await this.select(toolName);
    await this.editButton.click();
    await this.argsEditor.fill(JSON.stringify(args, null, 2));
    if (reason !== undefined) await this.reasonField.fill(reason);
    await this.approveEditedButton.click();
    await expect(this.row(toolName)).toHaveCount(0);
  }

  /** The value of a term in the selected request's details ("Agent", "Queue", "Deadline", "Request ID"…). */
  detailValue(term: string): Locator {
    // A <dl>: the definition is the element right after its term.
    return this.details.getByRole('term').filter({ hasText: new RegExp(`^${escapeRegExp(term)}$`) }).locator('xpath=following-sibling::dd[1]');
  }

  /** A notice in the live region. */
  notice(text: string | RegExp): Locator {
    return this.notices.getByText(text);
  }

  async openHistory(): Promise<void> {
    await this.historyLink.click();
    await expect(this.historyHeading).toBeVisible();
  }

  async openGrants(): Promise<void> {
    await this.grantsLink.click();
    await expect(this.grantsHeading).toBeVisible();
  }

  async openQueue(): Promise<void> {
    await this.queueLink.click();
    await expect(this.queueList).toBeAttached();
  }

  /** A History row by its tool (the tool's button is named "Timeline of <tool> (<request id>)"). */
  historyRow(toolName: string): Locator {
    return this.historyTable
      .getByRole('row')
      .filter({ has: this.page.getByRole('button', { name: new RegExp(`^Timeline of ${escapeRegExp(toolName)} \\(`) }) });
  }

  /** One cell of a History row, by its column header. */
  historyCell(toolName: string, column: HistoryColumn): Locator {
    return this.historyRow(toolName).getByRole('cell').nth(HISTORY_COLUMNS.indexOf(column));
  }

  async openTimeline(toolName: string): Promise<void> {
    await this.historyRow(toolName)
      .getByRole('button', { name: new RegExp(`^Timeline of ${escapeRegExp(toolName)} \\(`) })
      .click();
    await expect(this.timeline.getByRole('heading', { level: 2 })).toHaveText(toolName);
  }
}

/** `Hub degraded: <reason>` is connected, but the hub says (`/api/health` 503) it cannot do its work. */
export type ConnectionLabel = 'Not connected' | 'Connecting…' | 'Connected' | 'Reconnecting…' | 'Offline' | 'Hub degraded' | `Hub degraded: ${string}`;

const HISTORY_COLUMNS = ['Status', 'Tool', 'Risk', 'Agent', 'Queue', 'Decided by', 'Decided', 'Created', 'Time to decision', 'Reason'] as const;
export type HistoryColumn = (typeof HISTORY_COLUMNS)[number];

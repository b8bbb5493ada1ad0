/**
 * The PDF report of one execution (issue #15, Retrieval "PDF report"): decision, risk score, every capability's
 * decision and label, the extracted identity data, and the part images the decision was made on. Drawn with
 * pdf-lib (already our PDF parser for uploads; well kept, pure JS, no native build) on A4 pages with the standard
 * Helvetica font. Text outside that font's WinAnsi set (e.g. Cyrillic names) is written as `?`: embedding a Unicode
 * font would need a font file shipped with the package, which this report does not justify yet.
 *
 * The report holds PII (names, images): it is served only through a signed short-lived link, never cached, and
 * after PII deletion it shows the decision without data or images.
 */
import { PDFDocument, type PDFFont, type PDFImage, type PDFPage, rgb, StandardFonts } from 'pdf-lib';
import type { ExecutionDetails } from '../../shared/api/index.js';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;
const LINE = 14;

const DECISION_COLOURS = {
  PASSED: rgb(0.1, 0.5, 0.2),
  WARNING: rgb(0.75, 0.5, 0),
  REJECTED: rgb(0.75, 0.1, 0.1),
  NOT_EXECUTED: rgb(0.4, 0.4, 0.4),
} as const;

export interface ReportImage {
  label: string;
  mime: string;
  bytes: Uint8Array;
}

/** Fields of `capabilities.extraction[].data` printed in the report, in this order (the rest is in the API). */
const EXTRACTED_FIELDS = [
  'type',
  'issuingCountry',
  'firstName',
  'middleName',
  'lastName',
  'dateOfBirth',
  'gender',
  'nationality',
  'documentNumber',
  'personalNumber',
  'issuingDate',
  'expiryDate',
] as const;

class Writer {
  page: PDFPage;
  y: number;
  constructor(
    private readonly doc: PDFDocument,
    private readonly font: PDFFont,
    private readonly bold: PDFFont,
  ) {
    this.page = doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  /** Characters the standard font cannot encode become `?` instead of failing the whole report. */
  private printable(text: string, font: PDFFont): string {
    const charset = new Set(font.getCharacterSet());
    return Array.from(text, (char) => (charset.has(char.codePointAt(0) as number) ? char : '?')).join('');
  }

  ensure(height: number): void {
    if (this.y - height >= MARGIN) return;
    this.page = this.doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  text(text: string, options: { size?: number; bold?: boolean; colour?: ReturnType<typeof rgb> } = {}): void {
    const size = options.size ?? 10;
    const font = options.bold ? this.bold : this.font;
    this.ensure(size + 4);
    this.page.drawText(this.printable(text, font), {
      x: MARGIN,
      y: this.y - size,
      size,
      font,
      color: options.colour ?? rgb(0, 0, 0),
      maxWidth: A4[0] - 2 * MARGIN,
    });
    this.y -= Math.max(LINE, size + 6);
  }

  gap(height = 8): void {
    this.y -= height;
  }

  image(image: PDFImage, label: string): void {
    const maxWidth = (A4[0] - 2 * MARGIN) / 2;
    const scale = Math.min(maxWidth / image.width, 220 / image.height, 1);
    const width = image.width * scale;
    const height = image.height * scale;
    this.ensure(height + LINE + 8);
    this.text(label, { bold: true });
    this.page.drawImage(image, { x: MARGIN, y: this.y - height, width, height });
    this.y -= height + 12;
  }
}

export async function renderExecutionReport(
  details: ExecutionDetails,
  images: ReportImage[],
  generatedAt: Date,
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Verification report ${details.workflow.id}`);
  doc.setProducer('idv-server');
  doc.setCreationDate(generatedAt);
  const writer = new Writer(
    doc,
    await doc.embedFont(StandardFonts.Helvetica),
    await doc.embedFont(StandardFonts.HelveticaBold),
  );

  writer.text('Identity verification report', { size: 18, bold: true });
  writer.text(`Workflow execution ${details.workflow.id} (definition ${details.workflow.definitionKey})`);
  writer.text(`Account ${details.account.id}`);
  writer.text(
    `Status ${details.workflow.status}; created ${details.createdAt}; completed ${details.completedAt ?? '-'}`,
  );
  writer.text(`Generated ${generatedAt.toISOString()}`);
  writer.gap();

  const decision = details.decision;
  writer.text('Decision', { size: 14, bold: true });
  if (decision) {
    writer.text(`${decision.type}  (${decision.details.label})`, {
      size: 16,
      bold: true,
      colour: DECISION_COLOURS[decision.type],
    });
    writer.text(`Risk score ${decision.risk.score}`);
  } else {
    writer.text('Not decided yet');
  }
  if (details.feedback) {
    writer.text(
      `Customer feedback: ${details.feedback.status}${details.feedback.reason ? ` (${details.feedback.reason})` : ''}`,
    );
  }
  writer.gap();

  writer.text('Capabilities', { size: 14, bold: true });
  for (const [name, results] of Object.entries(details.capabilities)) {
    for (const result of results) {
      writer.text(`${name}: ${result.decision.type}  ${result.decision.details.label}`, {
        colour: DECISION_COLOURS[result.decision.type],
      });
    }
  }
  writer.gap();

  const extracted = details.capabilities.extraction?.find((result) => result.data)?.data;
  writer.text('Extracted data', { size: 14, bold: true });
  const lines = extracted
    ? EXTRACTED_FIELDS.flatMap((field) => {
        const value = extracted[field];
        return typeof value === 'string' || typeof value === 'number' ? [`${field}: ${value}`] : [];
      })
    : [];
  const address = extracted?.address as Record<string, string> | undefined;
  if (address) lines.push(`address: ${Object.values(address).join(', ')}`);
  for (const line of lines) writer.text(line);
  if (lines.length === 0) writer.text(details.wipedOutAt ? 'Deleted with the PII' : 'Nothing could be read');
  writer.gap();

  if (images.length > 0) writer.text('Images', { size: 14, bold: true });
  for (const image of images) {
    if (image.mime === 'image/jpeg') writer.image(await doc.embedJpg(image.bytes), image.label);
    else if (image.mime === 'image/png') writer.image(await doc.embedPng(image.bytes), image.label);
    else writer.text(`${image.label}: PDF document (served at its part URL)`);
  }
  return doc.save();
}

/**
 * A dependency-free SVG bar chart of "ours ÷ peer" ratios, with the 1.0 line
 * marked, so a reader of bench/results/latest.md sees at a glance where the
 * project stands against FRR, GoBGP and the kernel.
 */
export interface Ratio {
  label: string;
  /** ours ÷ peer. */
  value: number;
  /** True when a ratio below 1 is the good side (time, memory, latency); false for rates. */
  lowerIsBetter: boolean;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function ratioChart(title: string, ratios: Ratio[]): string {
  const rowH = 26;
  const labelW = 360;
  const barW = 360;
  const max = Math.max(2, ...ratios.map((r) => r.value)) * 1.1;
  const x = (v: number): number => labelW + (Math.min(v, max) / max) * barW;
  const h = 50 + ratios.length * rowH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 80}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  ratios.forEach((r, i) => {
    const y = 36 + i * rowH;
    const good = r.lowerIsBetter ? r.value <= 1 : r.value >= 1;
    out.push(`<text x="8" y="${y + 14}">${esc(r.label)}</text>`);
    out.push(`<rect x="${labelW}" y="${y + 2}" width="${Math.max(1, x(r.value) - labelW).toFixed(1)}" height="${rowH - 8}" fill="${good ? '#3a9d5d' : '#d9534f'}"/>`);
    out.push(`<text x="${(x(r.value) + 4).toFixed(1)}" y="${y + 14}">${r.value.toFixed(2)}×</text>`);
  });
  out.push(`<line x1="${x(1).toFixed(1)}" y1="30" x2="${x(1).toFixed(1)}" y2="${h - 6}" stroke="#333" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${(x(1) + 3).toFixed(1)}" y="${h - 8}" fill="#333">1.0 = peer</text>`);
  out.push('</svg>');
  return out.join('\n');
}

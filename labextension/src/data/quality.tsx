import React from 'react';

import { BarList, Histogram, IBar, shortNumber } from './charts';
import {
  ClassBalance,
  IColumnQuality,
  IImageQuality,
  ITabularQuality,
  IVolumeQuality,
  plural,
  Quality
} from './types';

/** "3 (12%)", or "none". */
export function countOf(count: number, total: number): string {
  if (count === 0) {
    return 'none';
  }
  const percent = total > 0 ? (count / total) * 100 : 0;
  return `${count.toLocaleString()} (${percent < 1 ? '<1' : Math.round(percent)}%)`;
}

/** A text value as a bar label: blanks around it and empty text made visible. */
function valueLabel(value: string): string {
  if (value === '') {
    return '(empty)';
  }
  return value.trim() === value ? value : `“${value}”`;
}

/** Bars of counts by name, largest first (ties by name), against `total`. */
function countBars(counts: Record<string, number>, total: number, label = (name: string) => name): IBar[] {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], undefined, { numeric: true }))
    .map(([name, value]) => ({ label: label(name), value, text: countOf(value, total) }));
}

/** One chart with its heading. */
export function ChartCard(props: { title: string; note?: string; children: React.ReactNode }): JSX.Element {
  return (
    <figure className="mass-ChartCard">
      <figcaption className="mass-ChartCard-title">
        {props.title}
        {props.note && <span className="mass-ChartCard-note">{props.note}</span>}
      </figcaption>
      {props.children}
    </figure>
  );
}

/** The bars of each column's missing values, against the row count. */
export function missingBars(quality: ITabularQuality): IBar[] {
  return quality.columns.map(column => ({
    label: column.name,
    value: column.missing,
    text: countOf(column.missing, quality.rows)
  }));
}

/** Class balance as bars, largest first; a note when there is none. */
function ClassBalanceCard({ balance, total }: { balance: ClassBalance; total: number }): JSX.Element {
  const bars = countBars(balance, total);
  return (
    <ChartCard title="Class balance">
      {bars.length > 0 ? (
        <BarList bars={bars} max={Math.max(...bars.map(bar => bar.value))} title="Items per class" />
      ) : (
        <div className="mass-Hint">No classes yet: label items, or name the target column in the project.</div>
      )}
    </ChartCard>
  );
}

/** One numeric column: its histogram and range. */
function NumberColumn({ column }: { column: IColumnQuality }): JSX.Element {
  const range =
    column.min !== undefined && column.max !== undefined
      ? `${shortNumber(column.min)} – ${shortNumber(column.max)}${
          column.mean !== undefined ? ` · mean ${shortNumber(column.mean)}` : ''
        }`
      : undefined;
  return (
    <ChartCard title={column.name} note={range}>
      {column.histogram ? (
        <Histogram histogram={column.histogram} title={`Distribution of ${column.name}`} />
      ) : (
        <div className="mass-Hint">No values.</div>
      )}
    </ChartCard>
  );
}

/** One text column: its most common values. */
function TextColumn({ column, rows }: { column: IColumnQuality; rows: number }): JSX.Element {
  const bars = (column.top ?? []).map(([value, count]) => ({
    label: valueLabel(value),
    value: count,
    text: countOf(count, rows)
  }));
  return (
    <ChartCard title={column.name} note="most common values">
      {bars.length > 0 ? (
        <BarList bars={bars} max={rows} width={300} title={`Most common values of ${column.name}`} />
      ) : (
        <div className="mass-Hint">Every value is missing.</div>
      )}
    </ChartCard>
  );
}

function TabularQuality({ quality }: { quality: ITabularQuality }): JSX.Element {
  const missing = quality.columns.reduce((sum, column) => sum + column.missing, 0);
  const numbers = quality.columns.filter(column => column.type === 'number');
  const texts = quality.columns.filter(column => column.type !== 'number');
  return (
    <>
      <p className="mass-Quality-summary">
        {plural(quality.rows, 'row')} · {plural(quality.columns.length, 'column')} ·{' '}
        <span className={missing > 0 ? 'mass-mod-warn' : undefined}>{plural(missing, 'missing value')}</span>
      </p>
      <div className="mass-ChartGrid">
        <ChartCard title="Missing values" note="per column">
          <BarList bars={missingBars(quality)} max={quality.rows} warn title="Missing values per column" />
        </ChartCard>
        <ClassBalanceCard balance={quality.class_balance} total={quality.rows} />
      </div>
      {numbers.length > 0 && (
        <>
          <h3 className="mass-SubTitle">Numeric columns</h3>
          <div className="mass-ChartGrid">
            {numbers.map(column => (
              <NumberColumn key={column.name} column={column} />
            ))}
          </div>
        </>
      )}
      {texts.length > 0 && (
        <>
          <h3 className="mass-SubTitle">Text columns</h3>
          <div className="mass-ChartGrid">
            {texts.map(column => (
              <TextColumn key={column.name} column={column} rows={quality.rows} />
            ))}
          </div>
        </>
      )}
    </>
  );
}

function ImageQuality({ quality }: { quality: IImageQuality }): JSX.Element {
  const sizes = countBars(quality.sizes, quality.items, size => size.replace('x', ' × '));
  return (
    <>
      <p className="mass-Quality-summary">
        {plural(quality.items, 'image')} ·{' '}
        <span className={sizes.length > 1 ? 'mass-mod-warn' : undefined}>{plural(sizes.length, 'size')}</span>
      </p>
      <div className="mass-ChartGrid">
        <ChartCard title="Image sizes" note="pixels">
          <BarList bars={sizes} max={quality.items} title="Images per size" />
        </ChartCard>
        <ClassBalanceCard balance={quality.class_balance} total={quality.items} />
      </div>
    </>
  );
}

/** "0.8 × 0.8 × 2.5 mm". */
function spacingText(spacing: number[] | null): string {
  return spacing ? `${spacing.map(value => shortNumber(value)).join(' × ')} mm` : 'unknown';
}

function VolumeQuality({ quality }: { quality: IVolumeQuality }): JSX.Element {
  const counts: Record<string, number> = {};
  quality.spacings.forEach(spacing => (counts[spacingText(spacing)] = (counts[spacingText(spacing)] ?? 0) + 1));
  const spacings = countBars(counts, quality.items);
  const [low, high] = quality.value_range;
  return (
    <>
      <p className="mass-Quality-summary">
        {plural(quality.items, 'volume')} · values {shortNumber(low)} to {shortNumber(high)} ·{' '}
        <span className={spacings.length > 1 ? 'mass-mod-warn' : undefined}>
          {plural(spacings.length, 'voxel spacing')}
        </span>
      </p>
      <div className="mass-ChartGrid">
        <ChartCard title="Intensities" note="sampled voxels">
          <Histogram histogram={quality.histogram} width={320} title="Distribution of voxel values" />
        </ChartCard>
        <ChartCard title="Voxel spacing" note="volumes per spacing">
          <BarList bars={spacings} max={quality.items} title="Volumes per voxel spacing" />
        </ChartCard>
      </div>
    </>
  );
}

/** The quality plots of a dataset, by its kind. */
export function QualityView({ quality }: { quality: Quality }): JSX.Element {
  switch (quality.kind) {
    case 'tabular':
      return <TabularQuality quality={quality} />;
    case 'image':
      return <ImageQuality quality={quality} />;
    case 'volume':
      return <VolumeQuality quality={quality} />;
  }
}

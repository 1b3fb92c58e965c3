import type { Refines, Schemas } from '../api';

/*
 * The shapes of the dataset routes of the Mass IDE REST API: aliases of the
 * types generated from `GET mass-ide/api/openapi.json` (src/apiTypes.ts), and
 * hand-written refinements where the schema leaves an object free-form.
 */

/** What a dataset holds. */
export type DatasetKind = Schemas['Dataset']['kind'];

/**
 * The de-identification options of one import (DICOM PS3.15 Annex E options on top of the Basic
 * Profile), every option set: `clean_descriptors` keeps descriptions cleaned to imaging words,
 * `dates: 'shift'` is the Retain Longitudinal Temporal Information with Modified Dates Option.
 */
export type IDeidOptions = Required<NonNullable<Schemas['NewDataset']['deidentification']>>;

/** How dates are de-identified: removed (the Basic Profile), or shifted by one offset per patient. */
export type DeidDates = IDeidOptions['dates'];

/** The Basic Profile alone: descriptions and dates removed. */
export const BASIC_PROFILE: IDeidOptions = { clean_descriptors: false, dates: 'remove' };

/** What DICOM de-identification removed and replaced, as an import reports it (free-form in the schema). */
export interface IDeidentification {
  profile?: string;
  method?: string;
  /** The options chosen for the import, and the PS3.15 names of those applied. */
  options?: IDeidOptions;
  profile_options?: string[];
  removed?: string[];
  replaced?: string[];
  /** Descriptors kept after cleaning (Clean Descriptors Option). */
  cleaned?: string[];
  /** Dates and times shifted (Modified Dates Option), and how many values. */
  shifted?: string[];
  dates_shifted?: number;
  uids_replaced?: number;
  private_tags_removed?: number;
  files?: number;
}

/** What an import read, converted, warned about and de-identified (the schema's free-form `report`). */
export interface IImportReport {
  kind?: DatasetKind;
  source_name?: string;
  items?: number;
  columns?: string[];
  warnings?: string[];
  deidentification?: IDeidentification;
  /** For a cleaned copy: the dataset it was cleaned from. */
  derived_from?: number;
}

/** A dataset, as `GET datasets/{did}` returns it. */
export type IDataset = Omit<Schemas['Dataset'], 'report'> & { report: IImportReport };

/** An item's label or mask (`version` 0: never annotated). */
export type IAnnotation = Schemas['Annotation'];

/** A record's values by column, or an image's or volume's metadata. */
export type ItemMeta = Schemas['Item']['meta'];

/** One record, image or volume. */
export type IItem = Schemas['Item'];

/** A page of items, as `GET datasets/{did}/items` returns it. */
export type IItemPage = Schemas['ItemPage'];

/** A frozen version of a dataset. */
export type IVersion = Schemas['Version'];

/** Bin edges (one more than the counts) and counts. */
export interface IHistogram {
  edges: number[];
  counts: number[];
}

/** The quality of one table column. */
export interface IColumnQuality {
  name: string;
  type: 'number' | 'text';
  missing: number;
  min?: number;
  max?: number;
  mean?: number;
  histogram?: IHistogram;
  /** The most common values with their counts (text columns). */
  top?: [string, number][];
}

/** How many items carry each class. */
export type ClassBalance = Record<string, number>;

/** Data quality of a table. */
export interface ITabularQuality {
  kind: 'tabular';
  rows: number;
  columns: IColumnQuality[];
  class_balance: ClassBalance;
}

/** Data quality of a set of images. */
export interface IImageQuality {
  kind: 'image';
  items: number;
  /** How many images have each size, by "WxH". */
  sizes: Record<string, number>;
  class_balance: ClassBalance;
}

/** Data quality of a set of volumes. */
export interface IVolumeQuality {
  kind: 'volume';
  items: number;
  spacings: (number[] | null)[];
  value_range: [number, number];
  histogram: IHistogram;
}

/** Data quality, as `GET datasets/{did}/quality` returns it (the schema has no shape for it). */
export type Quality = ITabularQuality | IImageQuality | IVolumeQuality;

/** A JSON value, as parameters of a recipe step hold them. */
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

/** One step of a cleaning recipe: an operation and its parameters. */
export interface IRecipeStep {
  op: string;
  [param: string]: JSONValue;
}

/** The part of JSON Schema that recipe parameters use. */
export type IParamSchema = {
  type?: string | string[];
  enum?: JSONValue[];
  const?: JSONValue;
  default?: JSONValue;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  items?: IParamSchema;
  properties?: Record<string, IParamSchema>;
  required?: string[];
};

/** An operation a recipe step can use, with the JSON schema of a step. */
export type IOperation = Refines<{ op: string; title: string; params: IParamSchema }, Schemas['Recipe']['operations'][number]>;

/** A dataset's saved recipe and the operations its kind allows (the schema leaves steps free-form). */
export type IRecipe = Refines<{ steps: IRecipeStep[]; operations: IOperation[] }, Schemas['Recipe']>;

/** The first rows of a table, for a preview. */
export interface ITablePreview {
  columns: string[];
  rows: (string | number | null)[][];
  total_rows?: number;
}

/** A summary of one image or volume, for a preview. */
export type ItemSummary = Record<string, unknown>;

/** A picture of one image or volume in a preview, rendered by the server. */
export interface IPreviewPicture {
  /** A PNG `data:` URL. */
  src: string;
  /** The picture's (or the volume slice's) size in pixels. */
  width: number;
  height: number;
  /** For a volume: the slice shown (the middle axial one). */
  slice?: { axis: string; index: number; count: number };
}

/** What a recipe would do, as `POST datasets/{did}/recipe/preview` answers (the schema has no shape for it). */
export interface IRecipePreview {
  before: ITablePreview | ItemSummary;
  after: ITablePreview | ItemSummary;
  quality_before?: Quality;
  quality_after?: Quality;
  /** For images and volumes: the item previewed. */
  item?: string;
  /** For images and volumes: the item before and after the steps. */
  pictures?: { before: IPreviewPicture; after: IPreviewPicture };
}

/** Whether a preview side is a table. */
export function isTablePreview(value: ITablePreview | ItemSummary): value is ITablePreview {
  return Array.isArray(value.columns) && Array.isArray(value.rows);
}

/** The human name of a dataset kind. */
export function kindTitle(kind: DatasetKind): string {
  return { tabular: 'Table', image: 'Images', volume: 'Volumes' }[kind] ?? kind;
}

/** "1 item", "3 items": a count with its noun. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? noun : nouns}`;
}

/** "1.5 MB": a byte count for people. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

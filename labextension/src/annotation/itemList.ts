/** The list of items to annotate: a whole dataset's items fetched a page at a time, and whether one is annotated. */
import { ItemOrder, listItems } from '../data/client';
import { IItem } from './api';

/** Items fetched per request while listing a dataset. */
const PAGE_SIZE = 500;

/** The items to walk through and how many of the dataset's items are labelled. */
export interface IItemList {
  items: IItem[];
  labelled: number;
}

/** Fetch every item of a dataset (or only the unlabelled ones) in `order`, a page at a time. */
export async function fetchItemList(datasetId: number, unlabelled: boolean, order: ItemOrder): Promise<IItemList> {
  const items: IItem[] = [];
  let page = await listItems(datasetId, { offset: 0, limit: PAGE_SIZE, unlabelled, order });
  items.push(...page.items);
  while (page.items.length > 0 && items.length < page.total) {
    page = await listItems(datasetId, { offset: items.length, limit: PAGE_SIZE, unlabelled, order });
    items.push(...page.items);
  }
  return { items, labelled: page.labelled };
}

/** Whether an item has a class or a mask. */
export function isAnnotated(item: IItem): boolean {
  return item.annotation ? (item.annotation.label ?? null) !== null || item.annotation.has_mask === true : false;
}

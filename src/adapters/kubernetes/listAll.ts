// Lists in pages, so a big cluster never answers one huge response and the
// API server can serve each page from its watch cache. All pages belong to one
// consistent snapshot (the continue token pins the resourceVersion).

export const PAGE_SIZE = 500;

export interface PageRequest {
  readonly limit: number;
  readonly _continue?: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly metadata?: { readonly _continue?: string; readonly resourceVersion?: string };
}

export interface FullList<T> {
  readonly items: T[];
  readonly metadata: { readonly resourceVersion: string };
}

export async function listAll<T>(fetchPage: (page: PageRequest) => Promise<Page<T>>, pageSize = PAGE_SIZE): Promise<FullList<T>> {
  const items: T[] = [];
  let next: string | undefined;
  let resourceVersion = '';
  do {
    const page = await fetchPage(next === undefined ? { limit: pageSize } : { limit: pageSize, _continue: next });
    items.push(...page.items);
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    next = page.metadata?._continue || undefined;
  } while (next !== undefined);
  return { items, metadata: { resourceVersion } };
}

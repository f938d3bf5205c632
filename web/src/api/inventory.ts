import { request, requestPage, type Query } from './client';
import type { InventoryAnalytics, Item } from './types';

export const listItems = (query: Query, signal?: AbortSignal) =>
  requestPage<Item>('/inventory/', query, signal);

export interface ItemInput {
  sku: string;
  qty: number;
  name?: string | null;
  price?: string | null;
}

export const createItem = (item: ItemInput) =>
  request<Item>('/inventory/', { method: 'POST', body: item });

export const updateItem = (id: number, changes: Partial<ItemInput>) =>
  request<Item>(`/inventory/${id}`, { method: 'PUT', body: changes });

export const deleteItem = (id: number) => request<null>(`/inventory/${id}`, { method: 'DELETE' });

export const getInventoryAnalytics = () => request<InventoryAnalytics>('/inventory/analytics');

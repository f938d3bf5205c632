import { request, requestPage, type Query } from './client';
import type {
  Forecast,
  Order,
  OrderAnalytics,
  OrderEvent,
  OrderItem,
  OrderStatus,
  OrderTimeseries,
} from './types';

export const listOrders = (query: Query, signal?: AbortSignal) =>
  requestPage<Order>('/orders/', query, signal);

export const getOrder = (id: string) => request<Order>(`/orders/${encodeURIComponent(id)}`);

export const getTimeline = (id: string) =>
  request<OrderEvent[]>(`/orders/${encodeURIComponent(id)}/timeline`);

export interface NewOrder {
  items: OrderItem[];
  total: string;
}

export const createOrder = (order: NewOrder, idempotencyKey: string) =>
  request<Order>('/orders/', {
    method: 'POST',
    body: order,
    headers: { 'Idempotency-Key': idempotencyKey },
  });

export const setOrderStatus = (id: string, status: OrderStatus) =>
  request<Order>(`/orders/${encodeURIComponent(id)}`, { method: 'PUT', body: { status } });

export const deleteOrder = (id: string) =>
  request<null>(`/orders/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const getOrderAnalytics = () => request<OrderAnalytics>('/orders/analytics');

export const getOrderTimeseries = (days: number) =>
  request<OrderTimeseries>('/orders/analytics/timeseries', { query: { days } });

export interface ForecastOptions {
  days: number;
  method: string;
  seasonality: string;
  conf: string;
}

export const getForecast = (options: ForecastOptions) =>
  request<Forecast>('/orders/analytics/forecast', { query: { ...options } });

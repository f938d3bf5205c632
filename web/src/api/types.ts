// The objects of the API contract (shared/design/api.md).

export type Role = 'user' | 'admin';

export interface Preferences {
  theme?: 'light' | 'dark' | 'system';
  page_size?: number;
  [key: string]: unknown;
}

export interface User {
  id: number;
  name: string;
  email: string;
  role: Role;
  is_active: boolean;
  preferences: Preferences | null;
  created_at: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in?: number;
}

export interface Item {
  id: number;
  sku: string;
  qty: number;
  name: string | null;
  price: string | null;
  created_at: string;
  updated_at: string;
}

export interface InventoryAnalytics {
  total_items: number;
  total_quantity: number;
  out_of_stock: number;
  low_stock: number;
  low_stock_items: { id: number; sku: string; qty: number }[];
  low_stock_threshold: number;
}

export const ORDER_STATUSES = ['pending', 'processing', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderItem {
  sku: string;
  quantity: number;
  price: string;
}

export interface Order {
  id: string;
  user_id: number;
  total: string;
  status: OrderStatus;
  items: OrderItem[];
  created_at: string;
  updated_at: string;
}

export interface OrderEvent {
  id: number;
  order_id: string;
  event_type: 'created' | 'status_changed' | 'updated' | 'deleted' | (string & {});
  description: string | null;
  old_value: unknown;
  new_value: unknown;
  user_id: number | null;
  created_at: string;
}

export interface OrderAnalytics {
  total_orders: number;
  total_revenue: string;
  status_breakdown: Partial<Record<OrderStatus, number>>;
  recent_orders_7d: number;
  recent_orders: Order[];
}

export interface OrderTimeseries {
  days: number;
  series: { date: string; orders: number; revenue: string | number }[];
}

export interface ForecastPoint {
  date: string;
  revenue: string | number;
  lower: string | number;
  upper: string | number;
}

export interface Anomaly {
  date: string;
  revenue: string | number;
  /** How many standard deviations the day's residual is from the mean residual. */
  z: number;
}

export interface Forecast {
  days: number;
  method: string;
  /** Absent from servers that predate weekday seasonality. */
  seasonality?: string;
  history: { date: string; revenue: string | number }[];
  forecast: ForecastPoint[];
  /** Absent from servers that predate anomaly detection. */
  anomalies?: Anomaly[];
}

export interface UserAnalytics {
  total_users: number;
  active_users: number;
  inactive_users: number;
  role_breakdown: Partial<Record<Role, number>>;
  recent_signups_7d: number;
}

export interface UserTimeseries {
  days: number;
  series: { date: string; signups: number }[];
}

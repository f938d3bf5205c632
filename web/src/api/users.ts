import { request, requestPage, type Query } from './client';
import type { Preferences, Role, User, UserAnalytics, UserTimeseries } from './types';

export const getMe = () => request<User>('/users/me');

export const getPreferences = () => request<Preferences | null>('/users/me/preferences');

export const savePreferences = (preferences: Preferences) =>
  request<Preferences>('/users/me/preferences', { method: 'PUT', body: { preferences } });

export const listUsers = (query: Query, signal?: AbortSignal) =>
  requestPage<User>('/users/', query, signal);

export interface NewUser {
  name: string;
  email: string;
  password?: string;
  role: Role;
}

export const createUser = (user: NewUser) =>
  request<User & { temp_password?: string }>('/users/', { method: 'POST', body: user });

export type UserChanges = Partial<Pick<User, 'name' | 'email' | 'role' | 'is_active'>>;

export const updateUser = (id: number, changes: UserChanges) =>
  request<User>(`/users/${id}`, { method: 'PUT', body: changes });

export const deleteUser = (id: number) => request<null>(`/users/${id}`, { method: 'DELETE' });

export const resetPassword = (id: number) =>
  request<{ temp_password: string }>(`/users/${id}/reset_password`, { method: 'POST' });

export const getUserAnalytics = () => request<UserAnalytics>('/users/analytics');

export const getUserTimeseries = (days: number) =>
  request<UserTimeseries>('/users/analytics/timeseries', { query: { days } });

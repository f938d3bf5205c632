import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { endSession, getSession, startSession } from '@/lib/session';
import { renderApp } from '@/test/render';
import { fakeToken, jsonResponse } from '@/test/tokens';
import LoginPage from './LoginPage';
import RegisterPage from './RegisterPage';

afterEach(() => endSession());

describe('LoginPage', () => {
  it('checks the fields before calling the API', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch');
    renderApp(<LoginPage />);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter your email address.');
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('shows the API error for wrong credentials', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse({ detail: 'Invalid email or password' }, 401));
    renderApp(<LoginPage />);
    await userEvent.type(screen.getByLabelText('Email'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid email or password');
    expect(getSession()).toBeNull();
  });

  it('signs in and goes to the dashboard', async () => {
    const token = fakeToken();
    const fetchMock = vi
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(jsonResponse({ access_token: token, token_type: 'bearer', expires_in: 1800 }));
    renderApp(<LoginPage />);
    await userEvent.type(screen.getByLabelText('Email'), ' ada@example.com ');
    await userEvent.type(screen.getByLabelText('Password'), 'correct-horse');
    await userEvent.keyboard('{Enter}');
    expect(await screen.findByText('dashboard page')).toBeInTheDocument();
    expect(getSession()?.token).toBe(token);
    expect(fetchMock.mock.calls[0]?.[1]?.body).toBe('{"email":"ada@example.com","password":"correct-horse"}');
  });
});

describe('RegisterPage', () => {
  it('puts server validation errors on their fields', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(
      jsonResponse({ detail: [{ loc: ['body', 'email'], msg: 'Email already registered', type: 'conflict' }] }, 422),
    );
    renderApp(<RegisterPage />);
    await userEvent.type(screen.getByLabelText('Name'), 'Ada');
    await userEvent.type(screen.getByLabelText('Email'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'long-enough');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByLabelText('Email')).toHaveAccessibleDescription('Email already registered');
  });
});

describe('LoginPage when signed in', () => {
  it('goes straight to the dashboard', async () => {
    startSession(fakeToken());
    renderApp(<LoginPage />);
    expect(await screen.findByText('dashboard page')).toBeInTheDocument();
  });
});

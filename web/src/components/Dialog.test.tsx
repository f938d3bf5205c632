import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { Dialog } from './Dialog';

describe('Dialog', () => {
  it('renders its content only while open and closes from its button', async () => {
    const onClose = vi.fn();
    const { rerender } = render(
      <Dialog open={false} title="New item" onClose={onClose}>
        <p>content</p>
      </Dialog>,
    );
    expect(screen.queryByText('content')).not.toBeInTheDocument();
    rerender(
      <Dialog open title="New item" onClose={onClose}>
        <p>content</p>
      </Dialog>,
    );
    expect(screen.getByRole('dialog', { name: 'New item' })).toBeInTheDocument();
    expect(screen.getByText('content')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalled();
  });
});

export interface Credentials {
  name?: string;
  email: string;
  password: string;
}

export type CredentialErrors = Partial<Record<keyof Credentials, string>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The checks the server makes too, run first so the user hears about them at once. */
export function validateCredentials(values: Credentials, registering: boolean): CredentialErrors {
  const errors: CredentialErrors = {};
  if (registering && !values.name?.trim()) errors.name = 'Enter your name.';
  if (!values.email.trim()) errors.email = 'Enter your email address.';
  else if (!EMAIL.test(values.email.trim())) errors.email = 'Enter a valid email address.';
  if (!values.password) errors.password = 'Enter your password.';
  else if (registering && values.password.length < 8)
    errors.password = 'Use at least 8 characters.';
  return errors;
}

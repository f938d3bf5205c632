import { register } from '@/api/auth';
import { AuthForm } from './AuthForm';

export default function RegisterPage() {
  return (
    <AuthForm
      mode="register"
      submit={({ name = '', email, password }) => register(name.trim(), email, password)}
    />
  );
}

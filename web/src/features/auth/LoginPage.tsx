import { login } from '@/api/auth';
import { AuthForm } from './AuthForm';

export default function LoginPage() {
  return <AuthForm mode="login" submit={({ email, password }) => login(email, password)} />;
}

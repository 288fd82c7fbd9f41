import type { Metadata } from 'next';
import { AuthPage } from '../_components/auth-page';

export const metadata: Metadata = { title: 'Sign in' };

/** Instructor sign-in page. */
export default function SignInPage() {
  return <AuthPage mode="signin" />;
}

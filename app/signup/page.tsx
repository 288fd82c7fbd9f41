import type { Metadata } from 'next';
import { AuthPage } from '../_components/auth-page';

export const metadata: Metadata = { title: 'Create an instructor account' };

/** Instructor sign-up page. */
export default function SignUpPage() {
  return <AuthPage mode="signup" />;
}

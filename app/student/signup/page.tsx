import type { Metadata } from 'next';
import { AuthPage } from '../../_components/auth-page';

export const metadata: Metadata = { title: 'Student sign-up' };

/** A student creates an account and joins a course with its enrolment code. */
export default function StudentSignUpPage() {
  return <AuthPage mode="student-signup" />;
}

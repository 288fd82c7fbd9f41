'use client';

import { useEffect, useState, type FormEvent } from 'react';
import type { LtiPlatform, LtiToolConfig, RegisterPlatformBody } from '@convlab/protocol';
import { Alert } from '../../_components/alert';
import { FormField } from '../../_components/form-field';
import { InstructorHeader } from '../../_components/instructor-header';
import { api } from '../../_lib/api-client';
import { useInstructor } from '../../_lib/use-instructor';

const FIELDS: { name: keyof Omit<RegisterPlatformBody, 'deploymentIds'>; label: string; hint: string; placeholder: string }[] = [
  { name: 'name', label: 'Name', hint: 'How ConvLab calls this LMS on its pages.', placeholder: 'University Canvas' },
  { name: 'issuer', label: 'Issuer', hint: 'The platform’s issuer (iss), exactly as the LMS shows it.', placeholder: 'https://canvas.instructure.com' },
  { name: 'clientId', label: 'Client id', hint: 'The client id the LMS gave ConvLab’s registration.', placeholder: '10000000000001' },
  { name: 'authLoginUrl', label: 'OIDC authorization URL', hint: 'Where ConvLab sends the login’s authentication request.', placeholder: 'https://lms.example/api/lti/authorize_redirect' },
  { name: 'jwksUrl', label: 'Platform JWKS URL', hint: 'The LMS’s public keys; launches are checked against them.', placeholder: 'https://lms.example/api/lti/security/jwks' },
  { name: 'accessTokenUrl', label: 'Access token URL', hint: 'For roster sync (NRPS) and grade passback (AGS).', placeholder: 'https://lms.example/login/oauth2/token' },
];

const EMPTY = { name: '', issuer: '', clientId: '', authLoginUrl: '', jwksUrl: '', accessTokenUrl: '', deploymentIds: '' };

/** The values the LMS admin copies into the LMS, each with a label. */
function ToolValues({ tool }: { tool: LtiToolConfig }) {
  const rows: [string, string][] = [
    ['Login initiation URL', tool.loginInitiationUrl],
    ['Redirect URI', tool.redirectUris.join('\n')],
    ['Target link URI', tool.targetLinkUri],
    ['Public JWKS URL (tool keys)', tool.jwksUrl],
    ['Deep Linking URL', tool.deepLinkingUrl],
  ];
  return (
    <dl className="card grid gap-x-6 gap-y-2 px-5 py-4 text-sm sm:grid-cols-[14rem_1fr]" aria-label="Values for the LMS">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="font-semibold text-slate-700">{label}</dt>
          <dd className="font-mono break-all text-slate-900">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Register LMS platforms and see what to enter in the LMS. */
export default function AdminLtiPage() {
  const { instructor } = useInstructor();
  const [platforms, setPlatforms] = useState<LtiPlatform[] | null>(null);
  const [tool, setTool] = useState<LtiToolConfig | null>(null);
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!instructor) return;
    api
      .ltiPlatforms()
      .then((res) => {
        setPlatforms(res.platforms);
        setTool(res.tool);
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load the platforms.'));
  }, [instructor]);

  async function rotate() {
    setError(null);
    setSaved(null);
    try {
      await api.rotateLtiKey();
      setSaved('ConvLab signs with a new key now; the old one stays published until its last tokens expire (6 minutes).');
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not rotate the key.');
    }
  }

  async function register(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const deploymentIds = form.deploymentIds.split(/[\s,]+/).filter(Boolean);
      const res = await api.registerLtiPlatform({ ...form, deploymentIds });
      setPlatforms((list) => [...(list ?? []), res.platform]);
      setSaved(`${res.platform.name} is registered. Its launches are accepted from now on.`);
      setForm(EMPTY);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not register the platform.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <InstructorHeader instructor={instructor} />
      <main id="main" className="mx-auto max-w-5xl px-4 py-10 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight text-slate-900">LMS platforms (LTI 1.3)</h1>
        <p className="mt-1 text-slate-600">Courses in a learning-management system open ConvLab assignments without another password and receive their grades.</p>

        <h2 className="mt-8 text-xl font-bold text-slate-900">1. Enter these values in the LMS</h2>
        <p className="mt-1 mb-3 text-sm text-slate-600">Add ConvLab as an LTI 1.3 tool (Advantage: Deep Linking, Names and Roles, Assignment and Grade Services).</p>
        {tool ? <ToolValues tool={tool} /> : <p className="text-slate-500">Loading…</p>}
        <p className="mt-3 text-sm text-slate-600">
          <button type="button" className="btn btn-secondary" onClick={() => void rotate()}>
            Rotate ConvLab’s signing key
          </button>{' '}
          Platforms keep working: they fetch the new key from the JWKS URL.
        </p>

        <h2 className="mt-10 text-xl font-bold text-slate-900">2. Register the LMS here</h2>
        <form onSubmit={(e) => void register(e)} className="card mt-3 grid gap-4 px-5 py-5 sm:grid-cols-2" aria-label="Register a platform">
          {FIELDS.map((f) => (
            <FormField
              key={f.name}
              label={f.label}
              hint={f.hint}
              placeholder={f.placeholder}
              required
              value={form[f.name]}
              onChange={(e) => setForm({ ...form, [f.name]: e.target.value })}
            />
          ))}
          <FormField
            label="Deployment ids"
            hint="One or more, separated by commas or spaces; launches from other deployments are refused."
            placeholder="1:abc123"
            required
            value={form.deploymentIds}
            onChange={(e) => setForm({ ...form, deploymentIds: e.target.value })}
          />
          <div className="flex items-end sm:col-span-2">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Registering…' : 'Register platform'}
            </button>
          </div>
        </form>
        <div className="mt-3 space-y-2">
          {error ? <Alert title="Not registered">{error}</Alert> : null}
          {saved ? <Alert tone="success">{saved}</Alert> : null}
        </div>

        <h2 className="mt-10 text-xl font-bold text-slate-900">Registered platforms</h2>
        {platforms && platforms.length === 0 ? <p className="mt-2 text-slate-600">None yet.</p> : null}
        {platforms && platforms.length > 0 ? (
          <ul className="card mt-3 divide-y divide-slate-100">
            {platforms.map((p) => (
              <li key={p.id} className="px-5 py-3 text-sm">
                <p className="font-semibold text-slate-900">{p.name}</p>
                <p className="text-slate-600">
                  Issuer <span className="font-mono">{p.issuer}</span> · client id <span className="font-mono">{p.clientId}</span> · deployments{' '}
                  <span className="font-mono">{p.deploymentIds.join(', ')}</span>
                </p>
              </li>
            ))}
          </ul>
        ) : null}
      </main>
    </>
  );
}

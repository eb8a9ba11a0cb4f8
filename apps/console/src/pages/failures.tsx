import { Page } from '../components/page.tsx';

export function FailuresPage() {
  return <Page id="failures" title="failures.title" intro="failures.intro" />;
}

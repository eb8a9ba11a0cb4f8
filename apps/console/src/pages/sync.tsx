import { Page } from '../components/page.tsx';

export function SyncPage() {
  return <Page id="sync" title="sync.title" intro="sync.intro" />;
}

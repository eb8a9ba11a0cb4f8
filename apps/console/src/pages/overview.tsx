import { Page } from '../components/page.tsx';

export function OverviewPage() {
  return <Page id="overview" title="overview.title" intro="overview.intro" />;
}

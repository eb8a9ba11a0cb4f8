import { Page } from '../components/page.tsx';

export function StockPage() {
  return <Page id="stock" title="stock.title" intro="stock.intro" />;
}

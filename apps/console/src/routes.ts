import type { FunctionComponent } from 'preact';
import type { MessageKey } from './i18n/index.ts';
import { BookingsPage } from './pages/bookings.tsx';
import { ClientsPage } from './pages/clients.tsx';
import { FailuresPage } from './pages/failures.tsx';
import { OrdersPage } from './pages/orders.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { StockPage } from './pages/stock.tsx';
import { SyncPage } from './pages/sync.tsx';
import { WhatsappPage } from './pages/whatsapp.tsx';

/** The console's pages, in menu order; paths are under /admin. One list: the menu and the router read it. */
export interface PageRoute {
  path: string;
  label: MessageKey;
  component: FunctionComponent;
}
export const PAGES: readonly PageRoute[] = [
  { path: '/', label: 'nav.overview', component: OverviewPage },
  { path: '/orders', label: 'nav.orders', component: OrdersPage },
  { path: '/bookings', label: 'nav.bookings', component: BookingsPage },
  { path: '/stock', label: 'nav.stock', component: StockPage },
  { path: '/clients', label: 'nav.clients', component: ClientsPage },
  { path: '/whatsapp', label: 'nav.whatsapp', component: WhatsappPage },
  { path: '/failures', label: 'nav.failures', component: FailuresPage },
  { path: '/sync', label: 'nav.sync', component: SyncPage },
];

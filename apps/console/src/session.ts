import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Role = 'admin' | 'viewer';
/** GET /api/admin/me: who is logged in. */
export interface Me {
  user: string;
  role: Role;
  via: 'session' | 'token';
}
export const MeContext = createContext<Me>({ user: '', role: 'viewer', via: 'session' });
export const useMe = (): Me => useContext(MeContext);
/** Write buttons are for admins only (the server refuses viewers anyway). */
export const useIsAdmin = (): boolean => useMe().role === 'admin';

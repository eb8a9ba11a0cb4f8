/** A namespace's English texts: exactly the keys of its Spanish file (a missing or an extra key does not compile). */
export type Messages<T> = { readonly [K in keyof T]: string };

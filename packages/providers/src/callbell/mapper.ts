const cop = new Intl.NumberFormat('es-CO', { style: 'currency', currency: 'COP' });

/** A price as Colombians read it, e.g. "$ 159.900,00". */
export function formatCop(amount: string | number): string {
  return cop.format(Number(amount));
}

/** The customer's confirmation text (source document's wording). */
export function orderConfirmationText(order: {
  id: number;
  customerName: string;
  price: string | number;
  address: string;
  city: string;
}): string {
  return (
    `¡Hola ${order.customerName}! Tu pedido #${order.id} fue registrado. ` +
    `Total: ${formatCop(order.price)}. Dirección de entrega: ${order.address}, ${order.city}. ` +
    '¡Gracias por tu compra!'
  );
}

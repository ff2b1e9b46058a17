// What the storefront says when the API refuses an unverified address (403 `email_unverified`).

function address(email: string | null | undefined): string {
  return email ? `the link we mailed to ${email}` : 'the link we mailed you';
}

/** Placing an order was refused: nothing was ordered or charged. */
export function unverifiedOrderMessage(email: string | null | undefined): string {
  return `Please verify your e-mail address before placing an order: open ${address(email)}, then place the order again. Nothing was ordered or charged.`;
}

/** Submitting the business profile was refused: the form keeps what was typed. */
export function unverifiedBusinessMessage(email: string | null | undefined): string {
  return `Please verify your e-mail address before submitting your business profile: open ${address(email)}, then submit again.`;
}

import { TestBed } from '@angular/core/testing';
import { Product } from '../core/api.types';
import { CartStore } from './cart.store';

const product = (id: string, amount: string): Product => ({
  id, sku: id.toUpperCase(), name: `P ${id}`, description: '', category_id: null, price: { amount, currency: 'USD' }, in_stock: true, stock: 5,
});

describe('CartStore', () => {
  beforeEach(() => { localStorage.clear(); TestBed.resetTestingModule(); });

  it('adds, merges, changes and removes lines', () => {
    const cart = TestBed.inject(CartStore);
    cart.add(product('a', '24.50'));
    cart.add(product('a', '24.50'), 2);
    cart.add(product('b', '0.10'), 3);
    expect(cart.count()).toBe(6);
    expect(cart.subtotalCents()).toBe(7350 + 30);
    cart.setQuantity('a', 1);
    expect(cart.items()).toEqual([{ product_id: 'a', quantity: 1 }, { product_id: 'b', quantity: 3 }]);
    cart.setQuantity('b', 0);
    expect(cart.items()).toEqual([{ product_id: 'a', quantity: 1 }]);
    cart.remove('a');
    expect(cart.count()).toBe(0);
  });

  it('persists to localStorage and reloads', () => {
    const cart = TestBed.inject(CartStore);
    cart.add(product('a', '1.00'), 2);
    TestBed.tick();
    expect(JSON.parse(localStorage.getItem('shop.cart')!)).toHaveLength(1);
    TestBed.resetTestingModule();
    expect(TestBed.inject(CartStore).count()).toBe(2);
  });

  it('ignores a corrupt stored cart', () => {
    localStorage.setItem('shop.cart', '{not json');
    expect(TestBed.inject(CartStore).count()).toBe(0);
  });

  it('puts the lines of an order back, merged with the cart', () => {
    const cart = TestBed.inject(CartStore);
    cart.add(product('a', '1.00'), 1);
    cart.restore([
      { product_id: 'a', sku: 'A', name: 'P a', unit_price: { amount: '1.00', currency: 'USD' }, quantity: 2, subtotal: { amount: '2.00', currency: 'USD' }, discount: { amount: '0.00', currency: 'USD' }, tax: { amount: '0.00', currency: 'USD' }, total: { amount: '2.00', currency: 'USD' } },
      { product_id: 'b', sku: 'B', name: 'P b', unit_price: { amount: '3.00', currency: 'USD' }, quantity: 1, subtotal: { amount: '3.00', currency: 'USD' }, discount: { amount: '0.00', currency: 'USD' }, tax: { amount: '0.00', currency: 'USD' }, total: { amount: '3.00', currency: 'USD' } },
    ]);
    expect(cart.items()).toEqual([{ product_id: 'a', quantity: 3 }, { product_id: 'b', quantity: 1 }]);
    expect(cart.lines()[1]).toMatchObject({ name: 'P b', sku: 'B', price: { amount: '3.00', currency: 'USD' } });
  });
});

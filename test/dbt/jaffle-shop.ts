/**
 * A dbt project in the shape of dbt-labs' public jaffle_shop_duckdb demo (written here, not
 * copied): three seeds, staging views, marts tables, a Jinja loop over payment methods, a docs
 * block, schema tests. The seed rows are generated from a seed number so that tests can
 * compute the expected tables on their own.
 */
export const PAYMENT_METHODS = ['credit_card', 'coupon', 'bank_transfer', 'gift_card'] as const;
export const STATUSES = ['placed', 'shipped', 'completed', 'return_pending', 'returned'] as const;

export interface JaffleData {
  customers: Array<{ id: number; first_name: string; last_name: string }>;
  orders: Array<{ id: number; user_id: number; order_date: string; status: string }>;
  payments: Array<{ id: number; order_id: number; payment_method: string; amount: number }>;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `customers` customers (some without orders), about 3 orders each, 1-3 payments per order in cents. */
export function jaffleData(customers: number, seed = 1): JaffleData {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const data: JaffleData = { customers: [], orders: [], payments: [] };
  for (let id = 1; id <= customers; id++) data.customers.push({ id, first_name: pick(['Michael', 'Shawn', 'Kathleen', 'Jimmy']), last_name: `${pick('ABCDEFGH'.split(''))}.` });
  for (let id = 1; id <= customers * 3; id++) {
    const day = 1 + Math.floor(r() * 90);
    const date = new Date(Date.UTC(2018, 0, day)).toISOString().slice(0, 10);
    data.orders.push({ id, user_id: 1 + Math.floor(r() * customers * 0.9), order_date: date, status: pick(STATUSES) });
  }
  let payment = 1;
  for (const o of data.orders) {
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) data.payments.push({ id: payment++, order_id: o.id, payment_method: pick(PAYMENT_METHODS), amount: Math.floor(r() * 3000) });
  }
  return data;
}

function csv<T extends object>(rows: T[], columns: Array<keyof T>): string {
  return [columns.join(','), ...rows.map((row) => columns.map((c) => String(row[c])).join(','))].join('\n') + '\n';
}

const STAGING = {
  'models/staging/stg_customers.sql': `with source as (
    {#- seeds stand in for the raw tables in this project #}
    select * from {{ ref('raw_customers') }}
),

renamed as (
    select
        id as customer_id,
        first_name,
        last_name
    from source
)

select * from renamed
`,
  'models/staging/stg_orders.sql': `with source as (
    select * from {{ ref('raw_orders') }}
),

renamed as (
    select
        id as order_id,
        user_id as customer_id,
        order_date,
        status
    from source
)

select * from renamed
`,
  'models/staging/stg_payments.sql': `with source as (
    select * from {{ ref('raw_payments') }}
),

renamed as (
    select
        id as payment_id,
        order_id,
        payment_method,
        -- amount is stored in cents: convert it to dollars
        amount / 100 as amount
    from source
)

select * from renamed
`,
  'models/staging/schema.yml': `version: 2

models:
  - name: stg_customers
    columns:
      - name: customer_id
        tests: [unique, not_null]
  - name: stg_orders
    columns:
      - name: order_id
        tests: [unique, not_null]
      - name: status
        tests:
          - accepted_values:
              values: ['placed', 'shipped', 'completed', 'return_pending', 'returned']
  - name: stg_payments
    columns:
      - name: payment_id
        tests: [unique, not_null]
      - name: payment_method
        tests:
          - accepted_values:
              values: ['credit_card', 'coupon', 'bank_transfer', 'gift_card']
`,
};

const MARTS = {
  'models/customers.sql': `with customers as (
    select * from {{ ref('stg_customers') }}
),
orders as (
    select * from {{ ref('stg_orders') }}
),
payments as (
    select * from {{ ref('stg_payments') }}
),
customer_orders as (
    select
        customer_id,
        min(order_date) as first_order,
        max(order_date) as most_recent_order,
        count(order_id) as number_of_orders
    from orders
    group by customer_id
),
customer_payments as (
    select
        orders.customer_id,
        sum(amount) as total_amount
    from payments
    left join orders on payments.order_id = orders.order_id
    group by orders.customer_id
),
final as (
    select
        customers.customer_id,
        customers.first_name,
        customers.last_name,
        customer_orders.first_order,
        customer_orders.most_recent_order,
        customer_orders.number_of_orders,
        customer_payments.total_amount as customer_lifetime_value
    from customers
    left join customer_orders on customers.customer_id = customer_orders.customer_id
    left join customer_payments on customers.customer_id = customer_payments.customer_id
)

select * from final
`,
  'models/orders.sql': `{% set payment_methods = ['credit_card', 'coupon', 'bank_transfer', 'gift_card'] %}

with orders as (
    select * from {{ ref('stg_orders') }}
),
payments as (
    select * from {{ ref('stg_payments') }}
),
order_payments as (
    select
        order_id,
        {% for payment_method in payment_methods -%}
        sum(case when payment_method = '{{ payment_method }}' then amount else 0 end) as {{ payment_method }}_amount,
        {% endfor -%}
        sum(amount) as total_amount
    from payments
    group by order_id
),
final as (
    select
        orders.order_id,
        orders.customer_id,
        orders.order_date,
        orders.status,
        {% for payment_method in payment_methods -%}
        order_payments.{{ payment_method }}_amount,
        {% endfor -%}
        order_payments.total_amount as amount
    from orders
    left join order_payments on orders.order_id = order_payments.order_id
)

select * from final
`,
  'models/docs.md': `{% docs orders_status %}
Orders can be one of the following statuses:

| status         | description                                                  |
|----------------|--------------------------------------------------------------|
| placed         | The order has been placed but has not yet left the warehouse |
| shipped        | The order has been shipped to the customer                   |
| completed      | The order has been received by the customer                  |
| return_pending | The customer has asked for a return                          |
| returned       | The item has been returned                                   |
{% enddocs %}
`,
  'models/schema.yml': `version: 2

models:
  - name: customers
    description: This table has basic information about a customer, as well as some derived facts based on a customer's orders
    columns:
      - name: customer_id
        description: This is a unique identifier for a customer
        tests: [unique, not_null]
      - name: first_name
        description: Customer's first name. PII.
      - name: customer_lifetime_value
        description: Total value (AUD) of a customer's orders
  - name: orders
    description: This table has basic information about orders, as well as some derived facts based on payments
    columns:
      - name: order_id
        tests: [unique, not_null]
        description: This is a unique identifier for an order
      - name: customer_id
        description: Foreign key to the customers table
        tests:
          - not_null
          - relationships:
              to: ref('customers')
              field: customer_id
      - name: status
        description: '{{ doc("orders_status") }}'
        tests:
          - accepted_values:
              values: ['placed', 'shipped', 'completed', 'return_pending', 'returned']
      - name: amount
        description: Total amount (AUD) of the order
        tests: [not_null]
      - name: credit_card_amount
        tests: [not_null]
`,
};

/** The project's files (paths relative to models/<group>/). */
export function jaffleShopFiles(data: JaffleData): Record<string, string> {
  return {
    'dbt_project.yml': `name: 'jaffle_shop'
version: '0.1'
profile: 'jaffle_shop'
config-version: 2

model-paths: ["models"]
seed-paths: ["seeds"]
test-paths: ["tests"]
analysis-paths: ["analysis"]
macro-paths: ["macros"]
target-path: "target"
clean-targets: ["target", "dbt_packages"]
require-dbt-version: [">=1.0.0", "<2.0.0"]

models:
  jaffle_shop:
    materialized: table
    staging:
      materialized: view
`,
    'seeds/raw_customers.csv': csv(data.customers, ['id', 'first_name', 'last_name']),
    'seeds/raw_orders.csv': csv(data.orders, ['id', 'user_id', 'order_date', 'status']),
    'seeds/raw_payments.csv': csv(data.payments, ['id', 'order_id', 'payment_method', 'amount']),
    ...STAGING,
    ...MARTS,
  };
}

/** Expected `customers` rows, computed from the seed data without SQL (lifetime value in cents). */
export function expectedCustomers(data: JaffleData): Map<number, { firstOrder: string | null; lastOrder: string | null; orders: number; cents: number | null }> {
  const out = new Map<number, { firstOrder: string | null; lastOrder: string | null; orders: number; cents: number | null }>();
  for (const c of data.customers) out.set(c.id, { firstOrder: null, lastOrder: null, orders: 0, cents: null });
  const orderCustomer = new Map(data.orders.map((o) => [o.id, o.user_id]));
  for (const o of data.orders) {
    const e = out.get(o.user_id);
    if (e === undefined) continue;
    e.orders++;
    if (e.firstOrder === null || o.order_date < e.firstOrder) e.firstOrder = o.order_date;
    if (e.lastOrder === null || o.order_date > e.lastOrder) e.lastOrder = o.order_date;
  }
  for (const p of data.payments) {
    const e = out.get(orderCustomer.get(p.order_id) as number);
    if (e !== undefined) e.cents = (e.cents ?? 0) + p.amount;
  }
  return out;
}

/** Expected per-order amounts by payment method, in cents (null: the order has no payment). */
export function expectedOrderAmounts(data: JaffleData): Map<number, Record<string, number> | null> {
  const out = new Map<number, Record<string, number> | null>(data.orders.map((o) => [o.id, null]));
  for (const p of data.payments) {
    const e = out.get(p.order_id) ?? Object.fromEntries([...PAYMENT_METHODS, 'total'].map((m) => [m, 0]));
    e[p.payment_method] = (e[p.payment_method] ?? 0) + p.amount;
    e['total'] = (e['total'] ?? 0) + p.amount;
    out.set(p.order_id, e);
  }
  return out;
}

-- Demo data: a customers table with personal data, as the local stack and docker compose seed it.
CREATE TABLE IF NOT EXISTS public.customers (
    id          bigserial PRIMARY KEY,
    first_name  text NOT NULL,
    last_name   text NOT NULL,
    email       text,
    phone       varchar(64),
    ssn         text,
    city        text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO public.customers (first_name, last_name, email, phone, ssn, city)
SELECT * FROM (VALUES
    ('Ada', 'Lovelace', 'ada@example.com', '+44 20 7946 0958', '078-05-1120', 'London'),
    ('Grace', 'Hopper', 'grace@example.com', '+1 212 555 0199', '219-09-9999', 'New York'),
    ('Zoë', 'Müller-Łukasiewicz', 'zoë.müller@exämple.de', NULL, '', 'Kraków'),
    ('Alan', 'Turing', NULL, '+44 161 496 0000', '457-55-5462', 'Manchester')
) AS seed(first_name, last_name, email, phone, ssn, city)
WHERE NOT EXISTS (SELECT 1 FROM public.customers);

package com.example.trade;

import java.math.BigDecimal;

/** A client's order for one security. */
public final class Order {
    public enum Side { BUY, SELL }

    private final String account;
    private final String symbol;
    private final Side side;
    private final long quantity;
    private final BigDecimal price;

    public Order(String account, String symbol, Side side, long quantity, BigDecimal price) {
        this.account = account;
        this.symbol = symbol;
        this.side = side;
        this.quantity = quantity;
        this.price = price;
    }

    public String account() {
        return account;
    }

    public String symbol() {
        return symbol;
    }

    public Side side() {
        return side;
    }

    public long quantity() {
        return quantity;
    }

    public BigDecimal price() {
        return price;
    }

    public BigDecimal amount() {
        return price.multiply(BigDecimal.valueOf(quantity));
    }
}

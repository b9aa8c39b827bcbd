package com.example.trade;

import java.math.BigDecimal;
import java.util.Set;

/** Entry point of the service (started by the container, not by the unit tests). */
public final class TradeApplication {
    private TradeApplication() {
    }

    public static void main(String[] args) {
        RiskChecker risk = new RiskChecker(new BigDecimal("1000000"), Set.of("ST0001"));
        OrderService service = new OrderService(risk, new PriceCalculator());
        System.out.println("trade-service started, book size " + service.book().size());
    }
}
